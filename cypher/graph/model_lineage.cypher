// The graph of model_lineage: each descendant's shortest BUILDS_ON path to the model.
MATCH (m:Entity)
WHERE kg.entity_named(m, $name)
MATCH (d:Entity)-[:BUILDS_ON*1..5]->(m)
WHERE d <> m
WITH DISTINCT m, d
MATCH path = shortestPath((d)-[:BUILDS_ON*1..5]->(m))
WITH m, d, path
WHERE length(path) <= $max_depth
RETURN path
ORDER BY m.id, length(path), d.name, d.id
LIMIT toInteger($limit)
