// The graph of model_lineage: each descendant's shortest BUILDS_ON path to the model.
MATCH (m:Entity)
WHERE m.id = $name OR toLower(m.name) = toLower($name) OR any(a IN m.aliases WHERE toLower(a) = toLower($name))
MATCH (d:Entity)-[:BUILDS_ON*1..5]->(m)
WHERE d <> m
WITH DISTINCT m, d
MATCH path = shortestPath((d)-[:BUILDS_ON*1..5]->(m))
WITH m, d, path
WHERE length(path) <= $max_depth
RETURN path
ORDER BY m.id, length(path), d.name, d.id
LIMIT toInteger($limit)
