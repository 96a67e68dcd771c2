// What evidence sentences support a derived relation between two entities (BUILDS_ON, EVALUATED_ON)?
// param source: string -- the source entity's id, name or alias (case-insensitive)
// param target: string -- the target entity's id, name or alias (case-insensitive)
// param limit: int = 25 (1..100000) -- how many rows
// example: {"source": "DistilBERT", "target": "BERT", "limit": 25}
// :params {source: 'DistilBERT', target: 'BERT', limit: 25}
MATCH (s:Entity)
WHERE s.id = $source OR toLower(s.name) = toLower($source) OR any(a IN s.aliases WHERE toLower(a) = toLower($source))
MATCH (s)-[e:BUILDS_ON|EVALUATED_ON]->(t:Entity)
WHERE t.id = $target OR toLower(t.name) = toLower($target) OR any(a IN t.aliases WHERE toLower(a) = toLower($target))
UNWIND e.papers AS pid
MATCH (p:Paper {id: pid})-[rs:PROPOSES]->(s)
MATCH (p)-[rt]->(t)
WHERE type(rt) = CASE type(e) WHEN 'EVALUATED_ON' THEN 'EVALUATES_ON' ELSE 'BUILDS_ON' END
RETURN type(e) AS relation, s.name AS source, t.name AS target, p.title AS title, p.year AS year,
       rs.evidence_sentence AS source_sentence, rt.evidence_sentence AS target_sentence, p.url AS url,
       s.id AS source_id, t.id AS target_id, p.id AS paper_id
ORDER BY relation, source_id, target_id, paper_id
LIMIT toInteger($limit)
