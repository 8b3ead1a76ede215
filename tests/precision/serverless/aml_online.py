import os

from azure.ai.inference import EmbeddingsClient
from azure.core.credentials import AzureKeyCredential

client = EmbeddingsClient(
    endpoint="https://contoso-embed.westeurope.inference.ml.azure.com/score",
    credential=AzureKeyCredential(os.environ["ENDPOINT_KEY"]),
)
vectors = client.embed(input=["first phrase", "second phrase"])
