// The graph of entity_evidence: the papers and the relations that carry the evidence (click one for its sentence).
MATCH (m:Entity)
WHERE kg.entity_named(m, $name)
MATCH path = (p:Paper)-[r]->(m)
WHERE type(r) IN $relations
RETURN path
ORDER BY m.id, type(r), r.confidence DESC, p.id
LIMIT toInteger($limit)
