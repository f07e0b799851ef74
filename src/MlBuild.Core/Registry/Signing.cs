using System.Security.Cryptography;
using System.Text.Json;

namespace MlBuild.Core.Registry;

/// <summary>
/// Signs event digests with an ECDSA P-256 private key. The key comes from a PEM file or from the PEM text in an
/// environment variable; it is never written anywhere and never appears in messages.
/// </summary>
public sealed class EventSigner : IDisposable
{
    /// <summary>Environment variable holding the PEM text of the signing key.</summary>
    public const string KeyVariable = "MLBUILD_REGISTRY_SIGNING_KEY";
    /// <summary>Environment variable holding the path of a PEM file with the signing key.</summary>
    public const string KeyFileVariable = "MLBUILD_REGISTRY_SIGNING_KEY_FILE";

    private readonly ECDsa _key;

    private EventSigner(ECDsa key)
    {
        _key = key;
        KeyId = KeyIdOf(key);
    }

    /// <summary>The key id: first 16 hex digits of the SHA-256 of the public key (SubjectPublicKeyInfo).</summary>
    public string KeyId { get; }

    /// <summary>The public key, PEM.</summary>
    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>Loads the key from <paramref name="pemFile"/>, else from the environment; null when none is configured.</summary>
    public static EventSigner? FromConfiguration(string? pemFile, Func<string, string?> env)
    {
        string? pem = null;
        string source;
        var file = pemFile ?? env(KeyFileVariable);
        if (!string.IsNullOrEmpty(file))
        {
            source = $"key file '{file}'";
            try { pem = File.ReadAllText(file); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw RegistryCodes.Error(RegistryCodes.SigningKeyInvalid, $"Cannot read the signing {source}: {ex.GetType().Name}.");
            }
        }
        else
        {
            source = $"key in {KeyVariable}";
            pem = env(KeyVariable);
            if (string.IsNullOrEmpty(pem)) return null;
        }
        return FromPem(pem, source);
    }

    /// <summary>Loads a PEM private key (PKCS#8 or SEC1). <paramref name="source"/> names it in errors, never its content.</summary>
    public static EventSigner FromPem(string pem, string source = "signing key")
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            var p = key.ExportParameters(false);
            if (p.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value && p.Curve.Oid.FriendlyName is not ("nistP256" or "ECDSA_P256"))
                throw new CryptographicException("not P-256");
            key.ExportParameters(true); // throws for a public key alone
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw RegistryCodes.Error(RegistryCodes.SigningKeyInvalid,
                $"The signing {source} is not an ECDSA P-256 private key in PEM form. Create one with 'openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt'.");
        }
        return new EventSigner(key);
    }

    /// <summary>Creates a fresh key (tests, <c>dotnet ml</c> key generation).</summary>
    public static EventSigner Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>The private key as PKCS#8 PEM.</summary>
    public string ExportPrivateKeyPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>Signs a <c>sha256:HEX</c> digest.</summary>
    public EventSignature Sign(string digest) =>
        new(KeyId, "ES256", Convert.ToBase64String(_key.SignHash(DigestBytes(digest), DSASignatureFormat.IeeeP1363FixedFieldConcatenation)));

    internal static byte[] DigestBytes(string digest) => Convert.FromHexString(digest.AsSpan(7));

    internal static string KeyIdOf(ECDsa key) =>
        Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}

/// <summary>
/// The trusted public keys listed in the repository (<c>mlregistry.trust.json</c>):
/// <c>{ "requireSignatures": true, "keys": [ { "name": "ci", "publicKeyPem": "-----BEGIN PUBLIC KEY-----..." } ] }</c>.
/// </summary>
public sealed class TrustedKeys
{
    /// <summary>Default file name, looked up in the working directory.</summary>
    public const string FileName = "mlregistry.trust.json";

    private readonly Dictionary<string, (string Name, ECDsa Key)> _keys = new(StringComparer.Ordinal);

    /// <summary>True when every event must be signed by a trusted key.</summary>
    public bool RequireSignatures { get; private set; }

    /// <summary>Number of keys.</summary>
    public int Count => _keys.Count;

    /// <summary>Loads the trust file, or returns null when it does not exist.</summary>
    public static TrustedKeys? Load(string path)
    {
        if (!File.Exists(path)) return null;
        var trust = new TrustedKeys();
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var root = doc.RootElement;
            trust.RequireSignatures = !root.TryGetProperty("requireSignatures", out var r) || r.GetBoolean();
            if (root.TryGetProperty("keys", out var keys))
                foreach (var k in keys.EnumerateArray())
                {
                    var pem = k.GetProperty("publicKeyPem").GetString() ?? "";
                    var name = k.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
                    var key = ECDsa.Create();
                    key.ImportFromPem(pem);
                    trust._keys[EventSigner.KeyIdOf(key)] = (name, key);
                }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or CryptographicException or ArgumentException)
        {
            throw RegistryCodes.Error(RegistryCodes.TrustFileInvalid,
                $"The trusted keys file is malformed ({ex.Message}). Expected {{\"keys\":[{{\"name\":\"...\",\"publicKeyPem\":\"-----BEGIN PUBLIC KEY-----...\"}}]}}.", path);
        }
        return trust;
    }

    /// <summary>Creates a trust list from PEM public keys (tests).</summary>
    public static TrustedKeys FromPems(bool requireSignatures, params string[] pems)
    {
        var t = new TrustedKeys { RequireSignatures = requireSignatures };
        foreach (var pem in pems)
        {
            var key = ECDsa.Create();
            key.ImportFromPem(pem);
            t._keys[EventSigner.KeyIdOf(key)] = ("", key);
        }
        return t;
    }

    /// <summary>Checks a signature over a digest. Returns null when valid, else why not.</summary>
    public string? Check(string digest, EventSignature? sig)
    {
        if (sig is null) return RequireSignatures ? "is not signed" : null;
        if (sig.Alg != "ES256") return $"has unsupported signature algorithm '{sig.Alg}'";
        if (!_keys.TryGetValue(sig.KeyId, out var k)) return $"is signed by key {sig.KeyId}, which is not in the trusted keys";
        byte[] raw;
        try { raw = Convert.FromBase64String(sig.Sig); } catch (FormatException) { return "has a signature that is not base64"; }
        return k.Key.VerifyHash(EventSigner.DigestBytes(digest), raw, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            ? null : $"has a signature by key {sig.KeyId} that does not match its content";
    }
}
