// What does one paper propose, evaluate on and build on?
// param paper: string -- the paper's id (e.g. arxiv:1810.04805) or its exact title
// param relations: list = ["PROPOSES", "EVALUATES_ON", "BUILDS_ON"] -- relation types to show
// param limit: int = 100 (1..100000) -- how many rows
// example: {"paper": "KIND: Knowledge Integration and Diversion in Diffusion Models", "relations": ["PROPOSES", "EVALUATES_ON", "BUILDS_ON"], "limit": 100}
// :param paper => 'KIND: Knowledge Integration and Diversion in Diffusion Models'
// :param relations => ['PROPOSES', 'EVALUATES_ON', 'BUILDS_ON']
// :param limit => 100
MATCH (p:Paper)
WHERE p.id = $paper OR toLower(p.title) = toLower($paper)
MATCH (p)-[r]->(e:Entity)
WHERE type(r) IN $relations
RETURN p.id AS paper, type(r) AS relation, e.id AS id, e.name AS name, e.type AS type,
       r.confidence AS confidence
ORDER BY paper, relation, name, id
LIMIT $limit
