// Which entities have a name or alias containing these words (full-text search)?
// param text: string -- words to find, next to each other and in this order (case-insensitive; a word is a run of letters and digits)
// param limit: int = 20 (1..100000) -- how many entities to list
// columns: name, type, papers, aliases, id
// example: {"text": "llama", "limit": 20}
// :params {text: 'llama', limit: 20}
WITH toLower($text) AS text
// the text's words, one space apart: every character but a letter or a digit separates words
WITH trim(reduce(s = '', i IN range(0, size(text) - 1) |
       s + CASE WHEN substring(text, i, 1) =~ '[\\p{L}\\p{N}]' THEN substring(text, i, 1)
                WHEN s ENDS WITH ' ' THEN '' ELSE ' ' END)) AS words
WHERE words <> ''
// a name or alias with these words next to each other: between them, anything but letters and digits
// (first the cheap test: it holds the longest word)
WITH '(?s)(.*[^\\p{L}\\p{N}])?' + replace(words, ' ', '[^\\p{L}\\p{N}]+') + '([^\\p{L}\\p{N}].*)?' AS pattern,
     reduce(longest = '', w IN split(words, ' ') | CASE WHEN size(w) > size(longest) THEN w ELSE longest END) AS word
MATCH (e:Entity)
WHERE any(form IN [e.name] + coalesce(e.aliases, []) WHERE toLower(form) CONTAINS word AND toLower(form) =~ pattern)
RETURN e.name AS name, e.type AS type, e.paper_count AS papers, coalesce(e.aliases, []) AS aliases, e.id AS id
ORDER BY papers DESC, name, id
LIMIT toInteger($limit)
