using System.Text;
using BenchmarkDotNet.Attributes;
using MlBuild.Core.Data.Csv;
using MlBuild.Core.Data.Validation;

namespace MlBuild.Benchmarks;

/// <summary>
/// The CSV kernels on one 4 MB chunk of benchmark-like rows: tokenising and number parsing.
/// Run: <c>dotnet run -c Release --project tests/MlBuild.Benchmarks -- --filter *Kernel*</c>.
/// </summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    byte[] _chunk = [];
    int _length, _newlines;
    readonly TokenizedChunk _tokens = new();
    byte[][] _numbers = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        var sb = new StringBuilder();
        while (sb.Length < 4 << 20)
        {
            sb.Append(rng.Next()).Append(',');
            for (int i = 0; i < 14; i++) sb.Append((rng.NextDouble() * 200 - 100).ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)).Append(',');
            sb.Append("north,prod_04,store_005,2024-01-23,18.7405,0\n");
        }
        _chunk = Encoding.ASCII.GetBytes(sb.ToString());
        _length = _chunk.Length;
        _newlines = _chunk.Count(b => b == (byte)'\n');
        _numbers = Enumerable.Range(0, 4096).Select(_ => Encoding.ASCII.GetBytes((rng.NextDouble() * 200 - 100).ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture))).ToArray();
    }

    [Benchmark(Description = "tokenise 4 MB (quote-free path)")]
    public int Tokenize()
    {
        CsvTokenizer.Tokenize(_chunk, _length, (byte)',', false, _newlines, 21, _tokens);
        return _tokens.Records;
    }

    [Benchmark(Description = "parse 4096 decimals")]
    public double ParseDoubles()
    {
        double sum = 0;
        foreach (var n in _numbers) if (Utf8Parsers.TryParseDouble(n, out var v)) sum += v;
        return sum;
    }

    [Benchmark(Baseline = true, Description = "parse 4096 decimals (BCL)")]
    public double ParseDoublesBcl()
    {
        double sum = 0;
        foreach (var n in _numbers) if (double.TryParse(n, System.Globalization.CultureInfo.InvariantCulture, out var v)) sum += v;
        return sum;
    }
}
