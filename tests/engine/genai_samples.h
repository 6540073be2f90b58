#pragma once

#include <QByteArray>
#include <QString>

#include <vector>

struct GenaiSample {
    const char *name;
    QByteArray json;
    QString message;  // a part of the expected error
};

std::vector<GenaiSample> malformedGenaiPricesSamples();
