// The paper a user names: its id, or its title in any case.
// A query says kg.paper_named(p, $paper) where this condition goes, with its own node and
// parameter (kg/query.py writes it out). The embedded store's side: kg.queries.common.match_papers.
// fragment kg.paper_named(n, $paper)
n.id = $paper OR toLower(n.title) = toLower($paper)
