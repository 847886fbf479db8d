const response = await fetch(
`${BASE_URL}/mcp/fetchMessages?space=preferences&limit=20`,
{ headers: { Authorization: `Bearer ${API_KEY}` } }
);
const { memories } = await response.json();
