const API_KEY = process.env.PERSISTMEMORY_API_KEY!;
const BASE_URL = "https://backend.persistmemory.com";
const response = await fetch(`${BASE_URL}/mcp/addMemory`, {
method: "POST",
headers: {
Authorization: `Bearer ${API_KEY}`,
"Content-Type": "application/json",
},
body: JSON.stringify({
space: "preferences",
title: "Editor preferences",
text: "User prefers dark mode and Vim keybindings.",
}),
});
const memory = await response.json();
console.log(`Stored memory ID: ${memory.id}`);
