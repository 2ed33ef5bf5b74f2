"""Local inference on llama.cpp (xllamacpp): GGUF models, LoRA adapters per request, OpenAI-compatible servers."""
