// The graph of neighbourhood: the node and what is directly linked to it.
CALL {
  MATCH (e:Entity)
  WHERE e.id = $name OR toLower(e.name) = toLower($name) OR any(a IN e.aliases WHERE toLower(a) = toLower($name))
  RETURN e AS n
  UNION
  MATCH (p:Paper)
  WHERE p.id = $name OR toLower(p.title) = toLower($name)
  RETURN p AS n
}
MATCH path = (n)-[r]-(m)
WHERE type(r) IN $relations AND (m:Paper OR m:Entity)
RETURN path
ORDER BY n.id, type(r), r.confidence DESC, m.id
LIMIT toInteger($limit)
