// What does one paper propose, evaluate on and build on?
// param paper: string -- the paper's id (e.g. arxiv:1810.04805) or its exact title (case-insensitive)
// param relations: list = ["PROPOSES", "EVALUATES_ON", "BUILDS_ON"] -- relation types to show
// param limit: int = 100 (1..100000) -- how many rows
// columns: title, year, relation, name, type, confidence, url, paper_id, id
// example: {"paper": "KIND: Knowledge Integration and Diversion in Diffusion Models", "relations": ["PROPOSES", "EVALUATES_ON", "BUILDS_ON"], "limit": 100}
// :params {paper: 'KIND: Knowledge Integration and Diversion in Diffusion Models', relations: ['PROPOSES', 'EVALUATES_ON', 'BUILDS_ON'], limit: 100}
MATCH (p:Paper)
WHERE kg.paper_named(p, $paper)
MATCH (p)-[r]->(e:Entity)
WHERE type(r) IN $relations
RETURN p.title AS title, p.year AS year, type(r) AS relation, e.name AS name, e.type AS type,
       r.confidence AS confidence, p.url AS url, p.id AS paper_id, e.id AS id
ORDER BY paper_id, relation, name, id
LIMIT toInteger($limit)
