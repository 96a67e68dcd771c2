// The graph of paper_contributions: the paper and the entities it relates to.
MATCH (p:Paper)
WHERE kg.paper_named(p, $paper)
MATCH path = (p)-[r]->(e:Entity)
WHERE type(r) IN $relations
RETURN path
ORDER BY p.id, type(r), e.name, e.id
LIMIT toInteger($limit)
