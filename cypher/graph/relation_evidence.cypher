// The graph of relation_evidence: the derived edge and, per supporting paper, the two relations behind it.
MATCH (s:Entity)
WHERE kg.entity_named(s, $source)
MATCH (s)-[e:BUILDS_ON|EVALUATED_ON]->(t:Entity)
WHERE kg.entity_named(t, $target)
UNWIND e.papers AS pid
MATCH path = (s)<-[:PROPOSES]-(p:Paper {id: pid})-[rt]->(t)
WHERE type(rt) = CASE type(e) WHEN 'EVALUATED_ON' THEN 'EVALUATES_ON' ELSE 'BUILDS_ON' END
RETURN path, e
ORDER BY type(e), s.id, t.id, p.id
LIMIT toInteger($limit)
