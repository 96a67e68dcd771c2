// Which papers relate to an entity, and with what evidence sentences?
// param name: string -- the entity's id, name or alias (case-insensitive)
// param relations: list = ["PROPOSES", "EVALUATES_ON", "BUILDS_ON", "USES", "COMPARES_WITH", "ADDRESSES"] -- relation types to show
// param limit: int = 25 (1..100000) -- how many rows
// example: {"name": "GLUE", "relations": ["EVALUATES_ON"], "limit": 25}
// :params {name: 'GLUE', relations: ['EVALUATES_ON'], limit: 25}
MATCH (m:Entity)
WHERE m.id = $name OR toLower(m.name) = toLower($name) OR any(a IN m.aliases WHERE toLower(a) = toLower($name))
MATCH (p:Paper)-[r]->(m)
WHERE type(r) IN $relations
RETURN m.name AS entity, type(r) AS relation, p.title AS title, p.year AS year, r.mention AS mention,
       r.evidence_sentence AS sentence, r.confidence AS confidence, p.url AS url, m.id AS entity_id, p.id AS paper_id
ORDER BY entity_id, relation, confidence DESC, paper_id
LIMIT toInteger($limit)
