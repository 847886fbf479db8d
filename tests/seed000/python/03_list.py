response = requests.get(
f"{BASE_URL}/mcp/fetchMessages",
headers={"Authorization": f"Bearer {API_KEY}"},
params={"space": "preferences", "limit": 20},
)
memories = response.json()["memories"]
