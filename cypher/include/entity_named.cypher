// The entity a user names: its id, or its name or one of its aliases in any case.
// A query says kg.entity_named(m, $name) where this condition goes, with its own node and
// parameter (kg/query.py writes it out). The embedded store's side: kg.queries.common.match_entities.
// fragment kg.entity_named(n, $name)
n.id = $name OR toLower(n.name) = toLower($name) OR any(alias IN n.aliases WHERE toLower(alias) = toLower($name))
