// Which papers relate to an entity, and with what evidence sentences?
// param name: string -- the entity's id, name or alias (case-insensitive)
// param relations: list = ["PROPOSES", "EVALUATES_ON", "BUILDS_ON", "USES", "COMPARES_WITH", "ADDRESSES"] -- relation types to show
// param limit: int = 25 (1..100000) -- how many rows
// columns: entity, relation, title, year, mention, sentence, confidence, url, entity_id, paper_id
// example: {"name": "GLUE", "relations": ["EVALUATES_ON"], "limit": 25}
// :params {name: 'GLUE', relations: ['EVALUATES_ON'], limit: 25}
MATCH (m:Entity)
WHERE kg.entity_named(m, $name)
MATCH (p:Paper)-[r]->(m)
WHERE type(r) IN $relations
RETURN m.name AS entity, type(r) AS relation, p.title AS title, p.year AS year, r.mention AS mention,
       r.evidence_sentence AS sentence, r.confidence AS confidence, p.url AS url, m.id AS entity_id, p.id AS paper_id
ORDER BY entity_id, relation, confidence DESC, paper_id
LIMIT toInteger($limit)
