response = requests.post(
f"{BASE_URL}/mcp/search",
headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
json={
"space": "preferences",
"q": "What are the user's editor preferences?",
"top_k": 5,
},
)
results = response.json()["memories"]
for mem in results:
print(f"[{mem['score']:.3f}] {mem['text']}")
