using System.Diagnostics;
using System.Text;
using CsCheck;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Tests.Fuzz;

/// <summary>One edit of a valid file: what to do, where (a fraction of the length), and with which payload.</summary>
public readonly record struct Mutation(int Kind, uint Where, int Payload)
{
    public override string ToString() => $"{Kinds[Kind]}@{Where % 1000 / 10.0:0.#}%#{Payload}";

    internal static readonly string[] Kinds =
        ["flip", "truncate", "insertField", "quote", "delete", "hugeNumber", "badUtf8", "bom", "lineEnd", "nul", "duplicate", "overwrite32", "token"];
}

/// <summary>
/// Property-based fuzzing with CsCheck, bounded and reproducible for CI: a fixed number of cases drawn from a fixed
/// PCG seed (so every run tries the same inputs), each checked against the property. A failing case is reported with
/// its CsCheck seed and shrunk from there; <c>MLBUILD_FUZZ_SECONDS=N</c> adds N seconds of fresh random cases
/// (CsCheck's own sampler, shrinking included) for a longer hunt on a developer's machine.
/// </summary>
internal static class Fuzzing
{
    /// <summary>Longest one case may take: the readers' work is linear in small inputs, so seconds mean a hang.</summary>
    public static readonly TimeSpan CaseBound = TimeSpan.FromSeconds(10);

    public static void Run<T>(Gen<T> gen, Action<T> property, int cases, ulong seed, Func<T, string> print)
    {
        var pcg = new PCG(1, seed);
        for (int i = 0; i < cases; i++)
        {
            var caseSeed = pcg.ToString(pcg.State);
            var value = gen.Generate(pcg, null, out _);
            try { property(value); }
            catch (Exception e)
            {
                // Shrink from the failing case: CsCheck runs it first, then looks for smaller failing inputs.
                string shrunk;
                try { Check.Sample(gen, property, seed: caseSeed, iter: 2000, threads: 1, print: print); shrunk = "(did not fail again under CsCheck)"; }
                catch (Exception s) { shrunk = s.Message; }
                throw new Xunit.Sdk.XunitException($"fuzz case {i} (CsCheck seed {caseSeed}) failed on {print(value)}:\n{e}\n--- shrunk:\n{shrunk}");
            }
        }
        if (int.TryParse(Environment.GetEnvironmentVariable("MLBUILD_FUZZ_SECONDS"), out int seconds) && seconds > 0)
            Check.Sample(gen, property, time: seconds, threads: 1, print: print);
    }

    /// <summary>Runs <paramref name="action"/>: it may succeed or throw a coded <see cref="MlBuildException"/>; any other
    /// exception, an undocumented or internal code, or a run past <see cref="CaseBound"/> fails the property.</summary>
    public static T? Coded<T>(Func<T> action) where T : class
    {
        var clock = Stopwatch.StartNew();
        try { return action(); }
        catch (MlBuildException e) { AssertDocumented(e.Diagnostic); return null; }
        finally { Assert.True(clock.Elapsed < CaseBound, $"one case ran {clock.Elapsed.TotalSeconds:0.0} s"); }
    }

    /// <summary>A diagnostic's code is in the table (docs/diagnostics.md) and is not the internal-error code.</summary>
    public static void AssertDocumented(MlDiagnostic d)
    {
        Assert.True(DiagnosticCodes.Find(d.Code) is not null, $"undocumented code {d.Code}: {d.Message}");
        Assert.True(d.Code != DiagnosticCodes.InternalError.Code && d.Code != DiagnosticCodes.EngineFailed.Code, $"internal error: {d.Message}");
    }

    public static readonly Gen<Mutation> MutationGen =
        Gen.Select(Gen.Int[0, Mutation.Kinds.Length - 1], Gen.UInt, Gen.Int[0, 1000], (k, w, p) => new Mutation(k, w, p));

    public static readonly Gen<Mutation[]> Mutations = MutationGen.Array[1, 6];

    static readonly byte[][] HugeNumbers =
    [
        "99999999999999999999999999999"u8.ToArray(), "9223372036854775808"u8.ToArray(), "-9223372036854775809"u8.ToArray(),
        "1e400"u8.ToArray(), "-1e-400"u8.ToArray(), "9007199254740993"u8.ToArray(), "1e99999999999"u8.ToArray(),
        "0.0000000000000000000000000000001"u8.ToArray(), Encoding.ASCII.GetBytes(new string('9', 5000)), "NaN"u8.ToArray(), "-Infinity"u8.ToArray(),
    ];

    static readonly byte[][] BadUtf8 = [[0xFF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0x80]];
    static readonly byte[][] LineEnds = ["\r\n"u8.ToArray(), "\r"u8.ToArray(), "\n"u8.ToArray(), "\n\n"u8.ToArray(), "\r\r\n"u8.ToArray()];

    /// <summary>Applies the edits in order; <paramref name="tokens"/> are format-specific insertions (JSON punctuation, say).</summary>
    public static byte[] Apply(byte[] seed, Mutation[] edits, byte[][] tokens)
    {
        var b = new List<byte>(seed);
        foreach (var m in edits)
        {
            int at = b.Count == 0 ? 0 : (int)(m.Where % (uint)(b.Count + 1));
            int p = m.Payload;
            switch (Mutation.Kinds[m.Kind])
            {
                case "flip" when b.Count > 0: b[Math.Min(at, b.Count - 1)] ^= (byte)(1 + p % 255); break;
                case "truncate": b.RemoveRange(at, b.Count - at); break;
                case "insertField": b.InsertRange(at, ","u8.ToArray().Concat(HugeNumbers[p % 3]).Append((byte)',')); break;
                case "quote": b.Insert(at, (byte)'"'); break;
                case "delete" when at < b.Count: b.RemoveRange(at, Math.Min(1 + p % 16, b.Count - at)); break;
                case "hugeNumber": b.InsertRange(at, HugeNumbers[p % HugeNumbers.Length]); break;
                case "badUtf8": b.InsertRange(at, BadUtf8[p % BadUtf8.Length]); break;
                case "bom": b.InsertRange(at, [0xEF, 0xBB, 0xBF]); break;
                case "lineEnd": b.InsertRange(at, LineEnds[p % LineEnds.Length]); break;
                case "nul": b.Insert(at, 0); break;
                case "duplicate" when b.Count > 0:
                    int from = p * b.Count / 1001, length = Math.Min(1 + p % 64, b.Count - from);
                    b.InsertRange(at, b.GetRange(from, length));
                    break;
                case "overwrite32" when at + 4 <= b.Count:
                    // A length or offset field of a binary format, set to something extreme.
                    var value = (p % 4) switch { 0 => int.MaxValue, 1 => -1, 2 => 0, _ => p * 7919 };
                    var bytes = BitConverter.GetBytes(value);
                    for (int k = 0; k < 4; k++) b[at + k] = bytes[k];
                    break;
                case "token": b.InsertRange(at, tokens[p % tokens.Length]); break;
            }
        }
        return [.. b];
    }

    /// <summary>Text from a small alphabet of the format's meaningful pieces: random files that still look like data.</summary>
    public static Gen<byte[]> Tokens(byte[][] alphabet, int maxTokens) =>
        Gen.Int[0, alphabet.Length - 1].Array[0, maxTokens].Select(ix => ix.SelectMany(i => alphabet[i]).ToArray());

    public static string Show(byte[] bytes) =>
        bytes.Length <= 600 ? Convert.ToHexString(bytes) + " \"" + Escape(bytes) + "\"" : $"{bytes.Length} bytes starting {Convert.ToHexString(bytes, 0, 200)}";

    static string Escape(byte[] bytes) => string.Concat(bytes.Select(c => c is >= 32 and < 127 && c != '"' ? ((char)c).ToString() : $"\\x{c:X2}"));
}
