// The graph of shortest_path: every shortest path, drawn.
MATCH (a:Entity)
WHERE kg.entity_named(a, $source)
MATCH (b:Entity)
WHERE kg.entity_named(b, $target) AND a <> b
MATCH p = allShortestPaths((a)-[*..6]-(b))
RETURN p
ORDER BY length(p), [n IN nodes(p) | n.id]
LIMIT toInteger($limit)
