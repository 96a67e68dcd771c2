// What builds on a model, directly or transitively (its descendants, with depth)?
// param name: string -- the model's (or method's) id, name or alias (case-insensitive)
// param max_depth: int = 3 (1..5) -- how many BUILDS_ON steps to follow
// param limit: int = 100 (1..100000) -- how many rows
// columns: root, name, type, depth, root_id, id
// example: {"name": "BERT", "max_depth": 3, "limit": 100}
// :params {name: 'BERT', max_depth: 3, limit: 100}
MATCH (m:Entity)
WHERE kg.entity_named(m, $name)
MATCH (a:Entity)-[:BUILDS_ON*1..5]->(m)
WHERE a <> m
WITH DISTINCT m, a
// the depth is the length of the shortest BUILDS_ON path (one breadth-first search per pair)
MATCH path = shortestPath((a)-[:BUILDS_ON*1..5]->(m))
WITH m, a, length(path) AS depth
WHERE depth <= $max_depth
RETURN m.name AS root, a.name AS name, a.type AS type, depth, m.id AS root_id, a.id AS id
ORDER BY root_id, depth, name, id
LIMIT toInteger($limit)
