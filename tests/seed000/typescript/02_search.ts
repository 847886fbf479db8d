const response = await fetch(`${BASE_URL}/mcp/search`, {
method: "POST",
headers: {
Authorization: `Bearer ${API_KEY}`,
"Content-Type": "application/json",
},
body: JSON.stringify({
space: "preferences",
q: "What are the user's editor preferences?",
top_k: 5,
}),
});
const { memories } = await response.json();
for (const mem of memories) {
console.log(`[${mem.score.toFixed(3)}] ${mem.text}`);
}
