from openai import AsyncAzureOpenAI


async def summarize(text: str, *, endpoint: str, key: str, deployment: str) -> str:
    async with AsyncAzureOpenAI(azure_endpoint=endpoint, api_key=key, api_version="2024-10-21") as client:
        reply = await client.chat.completions.create(
            model=deployment,
            messages=[{"role": "user", "content": f"Summarize: {text}"}],
        )
    return reply.choices[0].message.content
