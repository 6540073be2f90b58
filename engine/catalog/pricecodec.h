#pragma once

#include "engine/cost/money.h"
#include "engine/cost/priceschedule.h"

#include <QDataStream>

namespace signalbox::engine {

// Binary (de)serialisation of prices for the catalog snapshot (and later the
// workspace database). Money is its two integers, nanodollars and
// attodollars, so a price reads back bit-identical; a unit is written as its
// usage key ("cache_read_tokens"), not its UnitId, so a snapshot survives
// changes to the unit table's order. Readers return false on a truncated
// stream or a unit this build does not know.
void writeMoney(QDataStream &out, Money money);
bool readMoney(QDataStream &in, Money &money);
void writeTieredRate(QDataStream &out, const TieredRate &rate);
bool readTieredRate(QDataStream &in, TieredRate &rate);
void writePriceSet(QDataStream &out, const PriceSet &prices);
bool readPriceSet(QDataStream &in, PriceSet &prices);
void writePriceSchedule(QDataStream &out, const PriceSchedule &schedule);
bool readPriceSchedule(QDataStream &in, PriceSchedule &schedule);

} // namespace signalbox::engine
