// The graph of shortest_path: every shortest path, drawn.
MATCH (a:Entity)
WHERE a.id = $source OR toLower(a.name) = toLower($source) OR any(x IN a.aliases WHERE toLower(x) = toLower($source))
MATCH (b:Entity)
WHERE (b.id = $target OR toLower(b.name) = toLower($target) OR any(x IN b.aliases WHERE toLower(x) = toLower($target)))
  AND a <> b
MATCH p = allShortestPaths((a)-[*..6]-(b))
RETURN p
ORDER BY length(p), [n IN nodes(p) | n.id]
LIMIT toInteger($limit)
