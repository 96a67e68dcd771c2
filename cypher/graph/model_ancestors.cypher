// The graph of model_ancestors: the model's shortest BUILDS_ON path to each ancestor.
MATCH (m:Entity)
WHERE kg.entity_named(m, $name)
MATCH (m)-[:BUILDS_ON*1..5]->(a:Entity)
WHERE a <> m
WITH DISTINCT m, a
MATCH path = shortestPath((m)-[:BUILDS_ON*1..5]->(a))
WITH m, a, path
WHERE length(path) <= $max_depth
RETURN path
ORDER BY m.id, length(path), a.name, a.id
LIMIT toInteger($limit)
