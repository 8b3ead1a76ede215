"""An aiohttp chat service: the Azure OpenAI client lives as long as the application."""

import os

from aiohttp import web
from openai import AsyncAzureOpenAI

CLIENT = web.AppKey("client", AsyncAzureOpenAI)


async def create_client(app: web.Application) -> None:
    app[CLIENT] = AsyncAzureOpenAI(
        azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
        api_key=os.environ["AZURE_OPENAI_API_KEY"],
        api_version=os.environ["AZURE_OPENAI_API_VERSION"],
    )


async def close_client(app: web.Application) -> None:
    await app[CLIENT].close()


async def chat(request: web.Request) -> web.Response:
    body = await request.json()
    completion = await request.app[CLIENT].chat.completions.create(
        model=os.environ["AZURE_OPENAI_CHAT_DEPLOYMENT"],
        messages=[{"role": "user", "content": body["message"]}],
    )
    return web.json_response({"reply": completion.choices[0].message.content})


def make_app() -> web.Application:
    app = web.Application()
    app.on_startup.append(create_client)
    app.on_cleanup.append(close_client)
    app.router.add_post("/chat", chat)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), port=int(os.getenv("PORT", "8080")))
