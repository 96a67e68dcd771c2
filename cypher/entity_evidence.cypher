// Which papers relate to an entity, and with what evidence sentences?
// param name: string -- the entity's id, name or alias (case-insensitive)
// param relations: list = ["PROPOSES", "EVALUATES_ON", "BUILDS_ON", "USES", "COMPARES_WITH", "ADDRESSES"] -- relation types to show
// param limit: int = 25 (1..100000) -- how many rows
// example: {"name": "GLUE", "relations": ["EVALUATES_ON"], "limit": 25}
// :param name => 'GLUE'
// :param relations => ['EVALUATES_ON']
// :param limit => 25
MATCH (m:Entity)
WHERE m.id = $name OR toLower(m.name) = toLower($name) OR any(a IN m.aliases WHERE toLower(a) = toLower($name))
MATCH (p:Paper)-[r]->(m)
WHERE type(r) IN $relations
RETURN m.id AS entity, type(r) AS relation, p.id AS paper, r.mention AS mention,
       r.evidence_sentence AS sentence, r.confidence AS confidence
ORDER BY entity, relation, confidence DESC, paper
LIMIT $limit
