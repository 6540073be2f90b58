# signalbox-gateway's admin commands, driven as a subprocess (tests/cli/).
# One file per area so they can grow independently.
include(cli/admin.cmake OPTIONAL)     # init, keys, status, serve reload, the end-to-end chain
include(cli/providers.cmake OPTIONAL) # providers, models
include(cli/usage.cmake OPTIONAL)     # usage tail / export
include(cli/price.cmake OPTIONAL)     # price
include(cli/config.cmake OPTIONAL)    # config apply / export
