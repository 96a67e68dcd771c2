// What is compared with a given model (in papers that propose one and compare with the other)?
// param name: string -- the model's id, name or alias (case-insensitive)
// param limit: int = 25 (1..100000) -- how many rows
// columns: entity, name, type, papers, entity_id, id
// example: {"name": "BERT", "limit": 25}
// :params {name: 'BERT', limit: 25}
MATCH (m:Entity)
WHERE kg.entity_named(m, $name)
MATCH (p:Paper)-[r1:PROPOSES|COMPARES_WITH]->(m)
MATCH (p)-[r2:PROPOSES|COMPARES_WITH]->(y:Entity)
WHERE y <> m AND (type(r1) = 'COMPARES_WITH' OR type(r2) = 'COMPARES_WITH')
WITH m, y, count(DISTINCT p) AS papers
RETURN m.name AS entity, y.name AS name, y.type AS type, papers, m.id AS entity_id, y.id AS id
ORDER BY entity_id, papers DESC, name, id
LIMIT toInteger($limit)
