// What builds on a model, directly or transitively (its descendants, with depth)?
// param name: string -- the model's (or method's) id, name or alias (case-insensitive)
// param max_depth: int = 3 (1..5) -- how many BUILDS_ON steps to follow
// param limit: int = 100 (1..100000) -- how many rows
// example: {"name": "BERT", "max_depth": 3, "limit": 100}
// :param name => 'BERT'
// :param max_depth => 3
// :param limit => 100
MATCH (m:Entity)
WHERE m.id = $name OR toLower(m.name) = toLower($name) OR any(a IN m.aliases WHERE toLower(a) = toLower($name))
MATCH (d:Entity)-[:BUILDS_ON*1..5]->(m)
WHERE d <> m
WITH DISTINCT m, d
// the depth is the length of the shortest BUILDS_ON path (one breadth-first search per pair)
MATCH path = shortestPath((d)-[:BUILDS_ON*1..5]->(m))
WITH m, d, length(path) AS depth
WHERE depth <= $max_depth
RETURN m.id AS root, d.id AS id, d.name AS name, d.type AS type, depth
ORDER BY root, depth, name, id
LIMIT $limit
