# engine/catalog: providers, canonical models and their offerings.
target_sources(signalbox_engine PRIVATE
)
