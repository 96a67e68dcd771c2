// The graph of relation_evidence: the derived edge and, per supporting paper, the two relations behind it.
MATCH (s:Entity)
WHERE s.id = $source OR toLower(s.name) = toLower($source) OR any(a IN s.aliases WHERE toLower(a) = toLower($source))
MATCH (s)-[e:BUILDS_ON|EVALUATED_ON]->(t:Entity)
WHERE t.id = $target OR toLower(t.name) = toLower($target) OR any(a IN t.aliases WHERE toLower(a) = toLower($target))
UNWIND e.papers AS pid
MATCH path = (s)<-[:PROPOSES]-(p:Paper {id: pid})-[rt]->(t)
WHERE type(rt) = CASE type(e) WHEN 'EVALUATED_ON' THEN 'EVALUATES_ON' ELSE 'BUILDS_ON' END
RETURN path, e
ORDER BY type(e), s.id, t.id, p.id
LIMIT toInteger($limit)
