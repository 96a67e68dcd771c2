// What evidence sentences support a derived relation between two entities (BUILDS_ON, EVALUATED_ON)?
// param source: string -- the source entity's id, name or alias (case-insensitive)
// param target: string -- the target entity's id, name or alias (case-insensitive)
// param limit: int = 25 (1..100000) -- how many rows
// columns: relation, source, target, title, year, source_sentence, target_sentence, url, source_id, target_id, paper_id
// example: {"source": "DistilBERT", "target": "BERT", "limit": 25}
// :params {source: 'DistilBERT', target: 'BERT', limit: 25}
MATCH (s:Entity)
WHERE kg.entity_named(s, $source)
MATCH (s)-[e:BUILDS_ON|EVALUATED_ON]->(t:Entity)
WHERE kg.entity_named(t, $target)
UNWIND e.papers AS pid
MATCH (p:Paper {id: pid})-[rs:PROPOSES]->(s)
MATCH (p)-[rt]->(t)
WHERE type(rt) = CASE type(e) WHEN 'EVALUATED_ON' THEN 'EVALUATES_ON' ELSE 'BUILDS_ON' END
RETURN type(e) AS relation, s.name AS source, t.name AS target, p.title AS title, p.year AS year,
       rs.evidence_sentence AS source_sentence, rt.evidence_sentence AS target_sentence, p.url AS url,
       s.id AS source_id, t.id AS target_id, p.id AS paper_id
ORDER BY relation, source_id, target_id, paper_id
LIMIT toInteger($limit)
