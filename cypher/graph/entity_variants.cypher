// The graph of entity_variants: the variants with their VARIANT_OF edges.
MATCH (m:Entity)
WHERE m.id = $name OR toLower(m.name) = toLower($name) OR any(a IN m.aliases WHERE toLower(a) = toLower($name))
MATCH path = (v:Entity)-[e:VARIANT_OF]->(m)
RETURN path
ORDER BY m.id, e.support DESC, v.name, v.id
LIMIT toInteger($limit)
