"""Smoke run: start the service on a free local port, send two messages, shut it down."""

import asyncio
import json

import aiohttp
from aiohttp import web
from service import make_app


async def main() -> None:
    runner = web.AppRunner(make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        async with aiohttp.ClientSession() as session:
            for message in ("hello service", "again"):
                async with session.post(
                    f"http://127.0.0.1:{port}/chat", json={"message": message}
                ) as resp:
                    print(json.dumps(await resp.json()))
    finally:
        await runner.cleanup()


asyncio.run(main())
