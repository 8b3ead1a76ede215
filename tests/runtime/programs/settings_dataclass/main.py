from config import AzureOpenAIConfig
from translator import Translator

if __name__ == "__main__":
    translator = Translator(AzureOpenAIConfig.from_env())
    print("translated:", translator.translate("Bonjour"))
