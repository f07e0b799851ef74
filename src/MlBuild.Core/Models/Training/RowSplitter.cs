namespace MlBuild.Core.Models.Training;

/// <summary>
/// Seeded, hash-based row selection: a row's side of the split, and whether it is in the quick-train sample, follow
/// from a hash of (seed, key value or row number) alone, so the same rows are chosen on every machine, for every
/// thread count and every file order (with a key column).
/// </summary>
public static class RowSplitter
{
    const ulong SplitSalt = 0x5EED_5B11_7000_0001, SampleSalt = 0x5EED_5A3B_1E00_0002;

    /// <summary>SplitMix64's finaliser: a bijection that spreads every input bit over the output.</summary>
    public static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }

    static ulong Hash(ulong keyHash, int seed, ulong salt) => Mix(keyHash ^ Mix((ulong)(uint)seed ^ salt));

    /// <summary>Whether a row with this key hash belongs to the test split (probability <paramref name="testShare"/>).</summary>
    public static bool IsTest(ulong keyHash, int seed, double testShare) =>
        Hash(keyHash, seed, SplitSalt) < (ulong)(testShare * 18446744073709551616.0);

    /// <summary>Splits rows 0..n-1 into training and test rows (each in data order).</summary>
    public static (int[] Train, int[] Test) Split(ReadOnlySpan<ulong> keyHashes, int seed, double testShare)
    {
        var train = new List<int>(keyHashes.Length);
        var test = new List<int>((int)(keyHashes.Length * testShare) + 16);
        for (int i = 0; i < keyHashes.Length; i++)
            (IsTest(keyHashes[i], seed, testShare) ? test : train).Add(i);
        return (train.ToArray(), test.ToArray());
    }

    /// <summary>
    /// The quick-train sample: the <paramref name="size"/> rows of <paramref name="rows"/> with the smallest sample
    /// hash (ties by row), returned in data order. All rows when there are no more than <paramref name="size"/>.
    /// </summary>
    public static int[] Sample(int[] rows, ReadOnlySpan<ulong> keyHashes, int seed, int size)
    {
        if (rows.Length <= size) return rows;
        var keys = new (ulong Hash, int Row)[rows.Length];
        for (int i = 0; i < rows.Length; i++) keys[i] = (Hash(keyHashes[rows[i]], seed, SampleSalt), rows[i]);
        Array.Sort(keys);
        var chosen = new int[size];
        for (int i = 0; i < size; i++) chosen[i] = keys[i].Row;
        Array.Sort(chosen);
        return chosen;
    }
}
