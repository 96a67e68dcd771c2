// Which variants of an entity were found (VARIANT_OF, e.g. sizes and versions of a model or dataset)?
// param name: string -- the entity's id, name or alias (case-insensitive)
// param limit: int = 50 (1..100000) -- how many rows
// columns: entity, name, type, papers, entity_id, id
// example: {"name": "ImageNet", "limit": 50}
// :params {name: 'ImageNet', limit: 50}
MATCH (m:Entity)
WHERE kg.entity_named(m, $name)
MATCH (v:Entity)-[e:VARIANT_OF]->(m)
RETURN m.name AS entity, v.name AS name, v.type AS type, e.support AS papers, m.id AS entity_id, v.id AS id
ORDER BY entity_id, papers DESC, name, id
LIMIT toInteger($limit)
