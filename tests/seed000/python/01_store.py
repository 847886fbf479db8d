import os
import requests
API_KEY = os.environ["PERSISTMEMORY_API_KEY"]
BASE_URL = "https://backend.persistmemory.com"
response = requests.post(
f"{BASE_URL}/mcp/addMemory",
headers={
"Authorization": f"Bearer {API_KEY}",
"Content-Type": "application/json",
},
json={
"space": "preferences",
"title": "Editor preferences",
"text": "User prefers dark mode and Vim keybindings.",
},
)
memory = response.json()
print(f"Stored memory ID: {memory['id']}")
