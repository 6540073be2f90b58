#include "engine/config/configparser.h"

#include "engine/catalog/urlpolicy.h"
#include "engine/config/configprice.h"
#include "engine/config/yamlload.h"
#include "engine/config/yamlreader.h"
#include "engine/keys/virtualkeys.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>
#include <QTimeZone>

#include <functional>
#include <limits>

namespace signalbox::engine::config {

namespace {

constexpr qint64 kMaxSecretFileBytes = 4096;

const QString kKeyHelp = QStringLiteral("key: {env: VARIABLE}, {file: /path/to/key}, {keychain: NAME} or none");
const QString kSecretHelp = QStringLiteral("secret: ${ENV_VAR}, secret_file: PATH, or sha256: HEX with id: ID");
const QString kKeyFormat
    = QStringLiteral("a Signalbox key: sbk_, a 12-character id, _, and at least 43 base64url characters");

class Parser {
public:
    Parser(YamlReader &reader, QString baseFolder)
        : r(reader)
        , m_baseFolder(std::move(baseFolder))
    {
    }

    ConfigDocument parse(const YAML::Node &root)
    {
        ConfigDocument doc;
        doc.fileName = r.fileName();
        if (root.IsNull())
            return doc; // an empty file: no section, nothing to change
        const Item rootItem { root, root.Mark(), QString() };
        auto fields = r.fields(rootItem, { "version", "providers", "price_overrides", "aliases", "keys" });
        if (!fields)
            return doc;
        if (auto version = fields->get(QLatin1StringView("version"))) {
            auto text = r.text(*version);
            if (text && text->trimmed() != QLatin1String("1"))
                r.problem(*version, QStringLiteral("this Signalbox reads version 1 files"));
        }
        if (auto section = presentSection(*fields, "providers"))
            doc.providers = providers(*section);
        if (auto section = presentSection(*fields, "price_overrides"))
            doc.overrides = overrides(*section, doc.overrideSpots);
        if (auto section = presentSection(*fields, "aliases"))
            doc.aliases = aliases(*section, doc.aliasSpots);
        if (auto section = presentSection(*fields, "keys"))
            doc.keys = keys(*section);
        return doc;
    }

private:
    // An empty section ("keys:" and nothing) would remove everything in it:
    // too easy to write by accident, so it must be said with [] or {}.
    std::optional<Item> presentSection(const Fields &fields, const char *name)
    {
        auto section = fields.get(QLatin1StringView(name));
        if (section && section->node.IsNull()) {
            r.problem(*section,
                QStringLiteral("the section is empty; write [] (or {} for aliases) to remove everything in it, or "
                               "leave it out to keep what the workspace has"));
            return std::nullopt;
        }
        return section;
    }

    std::optional<QString> required(const Fields &fields, const char *name)
    {
        auto item = fields.get(QLatin1StringView(name));
        if (!item) {
            r.problem(at(fields, name), QStringLiteral("required field missing"));
            return std::nullopt;
        }
        return r.text(*item);
    }

    // The field `name` of an entry, or the entry itself (with the field's
    // path) when the field is not there.
    static Item at(const Fields &fields, const char *name)
    {
        if (auto item = fields.get(QLatin1StringView(name)))
            return *item;
        Item entry = fields.self();
        entry.path = entry.child(QLatin1String(name));
        return entry;
    }

    QString optionalText(const Fields &fields, const char *name, bool *ok)
    {
        auto item = fields.get(QLatin1StringView(name));
        if (!item)
            return QString();
        auto text = r.text(*item);
        *ok = *ok && text.has_value();
        return text.value_or(QString());
    }

    // The catalog's validators (userdata.h) stop at the first rule a value
    // breaks, without saying which field. To report it at its field, the
    // fields are tried in the validator's order, the ones after each set to a
    // value known to pass: the first that fails alone is the culprit.
    template <typename T>
    bool checkAtField(const T &value, const std::function<Result<void>(const T &)> &validate, const Fields &fields,
        const std::vector<std::pair<const char *, std::function<void(T &)>>> &order)
    {
        const Result<void> valid = validate(value);
        if (valid)
            return true;
        for (std::size_t i = 0; i < order.size(); ++i) {
            T candidate = value;
            for (std::size_t j = i + 1; j < order.size(); ++j)
                order[j].second(candidate);
            if (auto failing = validate(candidate); !failing) {
                r.problem(at(fields, order[i].first), failing.error().message);
                return false;
            }
        }
        r.problem(fields.self(), valid.error().message);
        return false;
    }

    std::vector<DesiredProvider> providers(const Item &section)
    {
        std::vector<DesiredProvider> out;
        QSet<QString> ids;
        for (const Item &item : r.elements(section).value_or(std::vector<Item> {})) {
            auto provider = this->provider(item);
            if (!provider)
                continue;
            if (ids.contains(provider->provider.id)) {
                r.problem(item, QStringLiteral("the provider %1 is listed twice").arg(provider->provider.id));
                continue;
            }
            ids.insert(provider->provider.id);
            out.push_back(std::move(*provider));
        }
        return out;
    }

    std::optional<DesiredProvider> provider(const Item &item)
    {
        auto fields = r.fields(item, { "id", "name", "base_url", "dialect", "key", "offerings" });
        if (!fields)
            return std::nullopt;
        DesiredProvider desired;
        desired.spot = r.spot(item);
        desired.idSpot = r.spot(at(*fields, "id"));
        bool ok = true;
        auto id = required(*fields, "id");
        // A variable may give the host (http://${VLLM_HOST}:8000/v1), never a query.
        std::optional<QString> baseUrl;
        if (auto urlItem = fields->get(QLatin1StringView("base_url")))
            baseUrl = r.interpolated(*urlItem, YamlReader::Interpolation::UrlBeforeQuery);
        else
            r.problem(at(*fields, "base_url"), QStringLiteral("required field missing"));
        ok = id && baseUrl;
        CustomProvider &provider = desired.provider;
        provider.id = id.value_or(QString());
        provider.name = optionalText(*fields, "name", &ok);
        if (!fields->has(QLatin1StringView("name")))
            provider.name = provider.id;
        provider.baseUrl = baseUrl.value_or(QString());
        if (auto dialectItem = fields->get(QLatin1StringView("dialect"))) {
            auto name = r.text(*dialectItem);
            auto dialect = name ? apiDialectFromName(name->trimmed()) : std::nullopt;
            if (name && !dialect)
                r.problem(*dialectItem, QStringLiteral("expected openai or anthropic"));
            ok = ok && dialect;
            provider.dialect = dialect.value_or(ApiDialect::OpenAI);
        }
        if (auto keyItem = fields->get(QLatin1StringView("key"))) {
            auto key = keyReference(*keyItem);
            ok = ok && key;
            provider.key = key.value_or(KeyReference {});
        }
        if (!ok)
            return std::nullopt;
        provider = normalised(provider);
        if (auto url = validateProviderBaseUrl(provider.baseUrl); !url) {
            r.problem(*fields->get(QLatin1StringView("base_url")), url.error().message);
            return std::nullopt;
        }
        if (!checkAtField<CustomProvider>(provider, validateCustomProvider, *fields,
                { { "id", [](CustomProvider &) {} },
                    { "name", [](CustomProvider &p) { p.name = QStringLiteral("x"); } },
                    { "base_url", [](CustomProvider &p) { p.baseUrl = QStringLiteral("http://127.0.0.1/"); } },
                    { "key", [](CustomProvider &p) { p.key = KeyReference {}; } } }))
            return std::nullopt;
        if (auto offeringsItem = fields->get(QLatin1StringView("offerings"))) {
            std::vector<CustomOffering> offerings;
            QSet<QString> models;
            bool offeringsOk = true;
            for (const Item &offeringItem : r.elements(*offeringsItem).value_or(std::vector<Item> {})) {
                auto offering = this->offering(offeringItem, provider.id);
                if (!offering) {
                    offeringsOk = false;
                    continue;
                }
                if (models.contains(offering->providerModelId)) {
                    r.problem(
                        offeringItem, QStringLiteral("the model %1 is listed twice").arg(offering->providerModelId));
                    offeringsOk = false;
                    continue;
                }
                models.insert(offering->providerModelId);
                desired.offeringSpots.push_back(r.spot(offeringItem));
                offerings.push_back(std::move(*offering));
            }
            if (!offeringsOk)
                return std::nullopt;
            desired.offerings = std::move(offerings);
        }
        return desired;
    }

    std::optional<KeyReference> keyReference(const Item &item)
    {
        if (item.node.IsNull())
            return KeyReference {};
        if (item.node.IsScalar()) {
            const QString raw = QString::fromStdString(item.node.Scalar()).trimmed();
            if (raw == QLatin1String("none"))
                return KeyReference {};
            if (raw.contains(QLatin1String("${")))
                r.problem(item,
                    QStringLiteral("${...} here would store the key itself in the workspace; reference the "
                                   "variable instead: key: {env: VARIABLE}"));
            else
                r.problem(item, QStringLiteral("a provider key is never written in the config file; use ") + kKeyHelp);
            return std::nullopt;
        }
        auto fields = r.fields(item, { "env", "file", "keychain" });
        if (!fields)
            return std::nullopt;
        int given = 0;
        KeyReference key;
        for (const auto &[name, kind] :
            { std::pair { "env", KeyReference::Kind::Environment }, std::pair { "file", KeyReference::Kind::File },
                std::pair { "keychain", KeyReference::Kind::Keychain } }) {
            auto value = fields->get(QLatin1StringView(name));
            if (!value)
                continue;
            ++given;
            // A variable's or an entry's name, never a value: no ${...} there.
            auto text = kind == KeyReference::Kind::File ? r.interpolated(*value) : r.text(*value);
            if (!text)
                return std::nullopt;
            if (kind != KeyReference::Kind::File && text->contains(QLatin1String("${"))) {
                r.problem(*value, QStringLiteral("takes a name (key: {env: OPENAI_API_KEY}), not ${...}"));
                return std::nullopt;
            }
            key = KeyReference { kind, text->trimmed() };
        }
        if (given != 1) {
            r.problem(item, QStringLiteral("give exactly one of env, file or keychain"));
            return std::nullopt;
        }
        if (auto valid = validateKeyReference(key); !valid) {
            r.problem(at(*fields, KeyReference::kindName(key.kind).toLatin1().constData()), valid.error().message);
            return std::nullopt;
        }
        return key;
    }

    std::optional<CustomOffering> offering(const Item &item, const QString &providerId)
    {
        auto fields = r.fields(item, { "model", "model_id", "name", "context_length", "max_output", "price" });
        if (!fields)
            return std::nullopt;
        CustomOffering offering;
        offering.providerId = providerId;
        auto model = required(*fields, "model");
        auto modelId = required(*fields, "model_id");
        bool ok = model && modelId;
        offering.providerModelId = model.value_or(QString());
        offering.modelId = modelId.value_or(QString());
        offering.name = optionalText(*fields, "name", &ok);
        for (const auto &[name, target] : { std::pair { "context_length", &offering.contextLength },
                 std::pair { "max_output", &offering.maxOutput } }) {
            if (auto limit = fields->get(QLatin1StringView(name))) {
                auto number = r.integer(*limit, 0, std::numeric_limits<qint64>::max());
                ok = ok && number;
                *target = number.value_or(0);
            }
        }
        if (auto priceItem = fields->get(QLatin1StringView("price"))) {
            auto price = readPriceSchedule(r, *priceItem);
            ok = ok && price;
            offering.price = price.value_or(PriceSchedule {});
        }
        if (!ok)
            return std::nullopt;
        offering = normalised(offering);
        if (!checkAtField<CustomOffering>(offering, validateCustomOffering, *fields,
                { { "model", [](CustomOffering &) {} },
                    { "model_id", [](CustomOffering &o) { o.modelId = QStringLiteral("x"); } },
                    { "name", [](CustomOffering &o) { o.name.clear(); } },
                    { "context_length", [](CustomOffering &o) { o.contextLength = o.maxOutput = 0; } },
                    { "price", [](CustomOffering &o) { o.price = PriceSchedule {}; } } }))
            return std::nullopt;
        return offering;
    }

    std::vector<PriceOverride> overrides(const Item &section, std::vector<SourceSpot> &spots)
    {
        std::vector<PriceOverride> out;
        QSet<QString> keys;
        for (const Item &item : r.elements(section).value_or(std::vector<Item> {})) {
            auto fields = r.fields(item, { "provider", "model", "adjust", "price", "note" });
            if (!fields)
                continue;
            PriceOverride priceOverride;
            auto provider = required(*fields, "provider");
            auto model = required(*fields, "model");
            bool ok = provider && model;
            priceOverride.providerId = provider.value_or(QString());
            priceOverride.providerModelId = model.value_or(QString());
            priceOverride.note = optionalText(*fields, "note", &ok);
            auto adjust = fields->get(QLatin1StringView("adjust"));
            auto price = fields->get(QLatin1StringView("price"));
            if (adjust.has_value() == price.has_value()) {
                r.problem(item, QStringLiteral("give exactly one of adjust (a percentage) or price (a schedule)"));
                continue;
            }
            if (adjust) {
                auto basisPoints = readAdjustment(r, *adjust);
                ok = ok && basisPoints;
                priceOverride.kind = PriceOverride::Kind::Adjust;
                priceOverride.basisPoints = basisPoints.value_or(0);
            } else {
                auto schedule = readPriceSchedule(r, *price);
                ok = ok && schedule;
                priceOverride.kind = PriceOverride::Kind::Replace;
                priceOverride.price = schedule.value_or(PriceSchedule {});
            }
            if (!ok)
                continue;
            priceOverride = normalised(priceOverride);
            const auto passing = [](PriceOverride &o) {
                o.kind = PriceOverride::Kind::Adjust;
                o.basisPoints = 0;
                o.price = PriceSchedule {};
            };
            if (!checkAtField<PriceOverride>(priceOverride, validatePriceOverride, *fields,
                    { { "provider", [](PriceOverride &) {} },
                        { "model", [](PriceOverride &o) { o.providerModelId = QStringLiteral("x"); } },
                        { "note", [](PriceOverride &o) { o.note.clear(); } },
                        { adjust ? "adjust" : "price", passing } }))
                continue;
            const QString key = priceOverride.providerId + QLatin1Char('/') + priceOverride.providerModelId;
            if (keys.contains(key)) {
                r.problem(item, QStringLiteral("%1 has two overrides").arg(key));
                continue;
            }
            keys.insert(key);
            spots.push_back(r.spot(item));
            out.push_back(std::move(priceOverride));
        }
        return out;
    }

    std::vector<ModelAlias> aliases(const Item &section, std::vector<SourceSpot> &spots)
    {
        std::vector<ModelAlias> out;
        if (!section.node.IsMap()) {
            r.problem(section, QStringLiteral("expected a map of alias: model id (gpt4: openai/gpt-4o)"));
            return out;
        }
        QSet<QString> names;
        for (const auto &entry : section.node) {
            const QString raw = QString::fromStdString(entry.first.IsScalar() ? entry.first.Scalar() : std::string());
            const Item item = fieldItem(entry.first, entry.second, section.child(raw));
            auto target = r.text(item);
            if (!target)
                continue;
            const ModelAlias alias = normalised(ModelAlias { raw, *target, {} });
            if (auto valid = validateModelAlias(alias); !valid) {
                r.problem(item, valid.error().message);
                continue;
            }
            if (names.contains(alias.alias)) {
                r.problem(item, QStringLiteral("the alias is given twice"));
                continue;
            }
            names.insert(alias.alias);
            spots.push_back(r.spot(item));
            out.push_back(alias);
        }
        // One step only, as CatalogUserStore requires: no alias of an alias.
        for (std::size_t i = 0; i < out.size(); ++i) {
            if (names.contains(out[i].modelId))
                r.problem(spots[i],
                    QStringLiteral("points at %1, which is itself an alias; point it at the model id instead")
                        .arg(out[i].modelId));
        }
        return out;
    }

    std::optional<QDateTime> time(const Item &item)
    {
        auto text = r.text(item);
        if (!text)
            return std::nullopt;
        const QString trimmed = text->trimmed();
        // QDate::fromString(ISODate) also takes the date part of a date-time: only a bare date is one.
        const QDate date = trimmed.size() == 10 ? QDate::fromString(trimmed, Qt::ISODate) : QDate();
        if (date.isValid())
            return date.startOfDay(QTimeZone::utc());
        QDateTime at = QDateTime::fromString(trimmed, Qt::ISODateWithMs);
        if (!at.isValid()) {
            r.problem(item, QStringLiteral("expected an ISO 8601 date or time (2027-01-31, 2027-01-31T18:00:00Z)"));
            return std::nullopt;
        }
        if (at.timeSpec() == Qt::LocalTime) // no offset written: UTC, as everywhere in Signalbox
            at.setTimeZone(QTimeZone::utc());
        return at.toUTC();
    }

    std::vector<DesiredKey> keys(const Item &section)
    {
        std::vector<DesiredKey> out;
        QSet<QString> names;
        QSet<QString> ids;
        for (const Item &item : r.elements(section).value_or(std::vector<Item> {})) {
            auto key = this->key(item);
            if (!key)
                continue;
            if (names.contains(key->name) || ids.contains(key->id)) {
                r.problem(item,
                    names.contains(key->name) ? QStringLiteral("the key %1 is listed twice").arg(key->name)
                                              : QStringLiteral("two keys have the id %1").arg(key->id));
                continue;
            }
            names.insert(key->name);
            ids.insert(key->id);
            out.push_back(std::move(*key));
        }
        // Names and ids share one namespace (VirtualKeyStore): `keys revoke X`
        // must mean one key.
        for (const DesiredKey &key : out) {
            if (ids.contains(key.name))
                r.problem(key.spot,
                    QStringLiteral("the name %1 is a key id (of a key in this file); give the key another name")
                        .arg(key.name));
        }
        return out;
    }

    std::optional<DesiredKey> key(const Item &item)
    {
        auto fields = r.fields(item, { "name", "project", "expires", "id", "sha256", "secret", "secret_file" });
        if (!fields)
            return std::nullopt;
        DesiredKey key;
        key.spot = r.spot(item);
        auto name = required(*fields, "name");
        bool ok = name.has_value();
        key.name = name.value_or(QString()).trimmed();
        key.project = optionalText(*fields, "project", &ok).trimmed();
        // VirtualKeyStore's own rules, each reported at its field.
        if (auto valid = VirtualKeyStore::checkNameAndProject(key.name, QString()); ok && !valid) {
            r.problem(at(*fields, "name"), valid.error().message);
            ok = false;
        }
        if (auto valid = VirtualKeyStore::checkNameAndProject(QStringLiteral("x"), key.project); !valid) {
            r.problem(at(*fields, "project"), valid.error().message);
            ok = false;
        }
        key.expiresSpot = r.spot(at(*fields, "expires"));
        if (!fields->has(QLatin1StringView("expires")))
            key.expiresSpot = key.spot;
        if (auto expires = fields->get(QLatin1StringView("expires"))) {
            auto at = time(*expires);
            ok = ok && at;
            key.expiresAt = at.value_or(QDateTime());
        }
        auto secret = fields->get(QLatin1StringView("secret"));
        auto secretFile = fields->get(QLatin1StringView("secret_file"));
        auto sha256 = fields->get(QLatin1StringView("sha256"));
        auto id = fields->get(QLatin1StringView("id"));
        if (int(secret.has_value()) + int(secretFile.has_value()) + int(sha256.has_value()) != 1) {
            r.problem(item, QStringLiteral("give exactly one of ") + kSecretHelp);
            return std::nullopt;
        }
        QString givenId;
        if (id) {
            auto text = r.text(*id);
            if (!text || !VirtualKeyStore::isKeyId(text->trimmed())) {
                if (text)
                    r.problem(*id, QStringLiteral("a key id is 12 base64url characters"));
                return std::nullopt;
            }
            givenId = text->trimmed();
        }
        if (sha256) {
            auto hex = r.text(*sha256);
            static const QRegularExpression hexDigits(QStringLiteral("^[0-9a-fA-F]{64}$"));
            if (hex && !hexDigits.match(hex->trimmed()).hasMatch()) {
                r.problem(*sha256, QStringLiteral("expected 64 hexadecimal digits"));
                return std::nullopt;
            }
            if (!hex)
                return std::nullopt;
            if (givenId.isEmpty()) {
                Item at = fields->self();
                at.path = at.child(QStringLiteral("id"));
                r.problem(at, QStringLiteral("a key given by its sha256 needs its id (the 12 characters after sbk_)"));
                return std::nullopt;
            }
            key.id = givenId;
            key.secretSha256 = QByteArray::fromHex(hex->trimmed().toLatin1());
        } else {
            auto value = secret ? secretFromEnvironment(*secret) : secretFromFile(*secretFile);
            if (!value)
                return std::nullopt;
            const Item &at = secret ? *secret : *secretFile;
            key.id = VirtualKeyStore::idOfSecret(value->toUtf8());
            if (key.id.isEmpty()) {
                r.problem(at, QStringLiteral("the secret is not ") + kKeyFormat);
                return std::nullopt;
            }
            if (!givenId.isEmpty() && givenId != key.id) {
                r.problem(*id, QStringLiteral("the id does not match the secret's id"));
                return std::nullopt;
            }
            key.secretSha256 = VirtualKeyStore::secretHash(value->toUtf8());
        }
        if (!ok)
            return std::nullopt;
        return key;
    }

    // secret: must be exactly ${VARIABLE}: a secret written in the file would
    // end up in git.
    std::optional<QString> secretFromEnvironment(const Item &item)
    {
        static const QRegularExpression reference(QStringLiteral("^\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}$"));
        auto raw = r.text(item);
        if (!raw)
            return std::nullopt;
        if (!reference.match(raw->trimmed()).hasMatch()) {
            r.problem(item, QStringLiteral("a secret is never written in the config file; write ") + kSecretHelp);
            return std::nullopt;
        }
        auto value = r.interpolated(item);
        if (value)
            *value = value->trimmed();
        return value;
    }

    std::optional<QString> secretFromFile(const Item &item)
    {
        auto path = r.interpolated(item);
        if (!path)
            return std::nullopt;
        const QString resolved = QDir(m_baseFolder).absoluteFilePath(path->trimmed());
        QFile file(resolved);
        if (!file.open(QIODevice::ReadOnly)) {
            r.problem(
                item, QStringLiteral("cannot read %1: %2").arg(QDir::toNativeSeparators(resolved), file.errorString()));
            return std::nullopt;
        }
        const QByteArray bytes = file.read(kMaxSecretFileBytes + 1);
        if (bytes.size() > kMaxSecretFileBytes) {
            r.problem(
                item, QStringLiteral("%1 is larger than a key file can be").arg(QDir::toNativeSeparators(resolved)));
            return std::nullopt;
        }
        return QString::fromUtf8(bytes).trimmed();
    }

    YamlReader &r;
    QString m_baseFolder;
};

} // namespace

ParseResult parseConfig(
    const QByteArray &yaml, const QString &fileName, const QString &baseFolder, const EnvironmentLookup &environment)
{
    YamlReader reader(fileName, environment);
    ParseResult result;
    if (auto root = loadSingleDocument(yaml, reader))
        result.document = Parser(reader, baseFolder).parse(*root);
    result.document.fileName = fileName;
    result.problems = reader.takeProblems();
    return result;
}

ParseResult parseConfigFile(const QString &path, const EnvironmentLookup &environment)
{
    const auto unreadable = [&path](const QString &why) {
        ParseResult result;
        result.document.fileName = path;
        result.problems.push_back(ConfigProblem { QStringLiteral("invalid"), SourceSpot {}, why });
        return result;
    };
    // A regular file only: /dev/zero or a FIFO would never end.
    const QFileInfo info(path);
    if (info.exists() && !info.isFile())
        return unreadable(QStringLiteral("not a regular file"));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return unreadable(QStringLiteral("cannot read: ") + file.errorString());
    // One byte more than allowed, so parseConfig sees that it is too large.
    return parseConfig(file.read(kMaxFileBytes + 1), path, info.absolutePath(), environment);
}

} // namespace signalbox::engine::config
