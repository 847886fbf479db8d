requests.delete(
f"{BASE_URL}/spaces/my-space-id",
headers={"Authorization": f"Bearer {API_KEY}"},
)
