// The graph of neighbourhood: the node and what is directly linked to it.
CALL {
  MATCH (e:Entity)
  WHERE kg.entity_named(e, $name)
  RETURN e AS n
  UNION
  MATCH (p:Paper)
  WHERE kg.paper_named(p, $name)
  RETURN p AS n
}
MATCH path = (n)-[r]-(m)
WHERE type(r) IN $relations AND (m:Paper OR m:Entity)
RETURN path
ORDER BY n.id, type(r), r.confidence DESC, m.id
LIMIT toInteger($limit)
