// The graph of entity_variants: the variants with their VARIANT_OF edges.
MATCH (m:Entity)
WHERE kg.entity_named(m, $name)
MATCH path = (v:Entity)-[e:VARIANT_OF]->(m)
RETURN path
ORDER BY m.id, e.support DESC, v.name, v.id
LIMIT toInteger($limit)
