// The graph of entity_evidence: the papers and the relations that carry the evidence (click one for its sentence).
MATCH (m:Entity)
WHERE m.id = $name OR toLower(m.name) = toLower($name) OR any(a IN m.aliases WHERE toLower(a) = toLower($name))
MATCH path = (p:Paper)-[r]->(m)
WHERE type(r) IN $relations
RETURN path
ORDER BY m.id, type(r), r.confidence DESC, p.id
LIMIT toInteger($limit)
