using System.Buffers.Text;
using System.IO.Hashing;
using MlBuild.Core.Data.Profiling;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models.Training;

namespace MlBuild.Core.Data.Relations;

/// <summary>
/// Relations between rows that one file cannot show: duplicate rows, equal features with conflicting labels, and test
/// rows whose key or features also occur in the training data. One streaming pass per file over MlBuild's own readers
/// (the validator's batch observer, as profiling uses it); each row's relevant cells are hashed into 128 bits
/// (<see cref="RowHasher"/>) and only one entry per distinct hash is kept, so memory grows with distinct rows, not with
/// file size. Candidates are not confirmed by comparing values: with 128-bit hashes the chance that two different rows
/// among a billion collide is below 10^-20.
/// </summary>
public static class DatasetRelations
{
    /// <summary>
    /// Checks <paramref name="datasets"/>: duplicates in each dataset (across its files), conflicting labels in each
    /// dataset with the label column, and leakage of each <see cref="DatasetRole.Test"/> dataset against the
    /// <see cref="DatasetRole.Train"/> one (or across the sides of <see cref="RelationsSpec.Split"/>). Unreadable
    /// input and unknown columns throw <see cref="MlBuildException"/>.
    /// </summary>
    public static RelationsResult Check(IReadOnlyList<RelationsDataset> datasets, RelationsSpec spec, RelationsOptions? options = null)
    {
        options ??= new RelationsOptions();
        var policy = options.Policy ?? new RelationsPolicy();
        var train = datasets.Where(d => d.Role == DatasetRole.Train).ToList();
        if (train.Count > 1)
            throw Settings($"Only one training dataset can be checked at a time; got {string.Join(", ", train.Select(d => d.Request.Name))}.");
        bool hasTest = datasets.Any(d => d.Role == DatasetRole.Test);
        if (hasTest && train.Count == 0)
            throw Settings("A test dataset is checked for leakage against a training dataset; name one (--train).");
        if (spec.Key is { Count: 0 })
            throw Settings("The key names no column; name at least one, or leave the key out to compare feature values.");

        if (hasTest) spec = spec with { Split = null }; // a separate test dataset replaces the split within the training data
        var leakageColumns = train.Count == 0 ? null : LeakageColumns(train[0].Request.Schema, spec);
        var passes = datasets.Select(d => new DatasetPass(d, spec, policy, options.MaxExamples, leakageColumns)).ToList();
        var trainPass = passes.FirstOrDefault(p => p.Role == DatasetRole.Train);
        if (hasTest && policy.Leakage != RelationLevel.Off)
        {
            // The training data is read first: its keys are what the test data is compared with.
            var trainKeys = new Dictionary<UInt128, Loc>();
            trainPass!.RecordTrainKeys(trainKeys, leakageColumns!, spec.Key is not null);
            foreach (var p in passes.Where(p => p.Role == DatasetRole.Test)) p.CompareWith(trainKeys, trainPass);
        }
        if (trainPass is not null) trainPass.Run(options);
        foreach (var pass in passes.Where(p => p != trainPass)) pass.Run(options);

        var result = new RelationsResult();
        foreach (var pass in passes)
        {
            result.Datasets.Add(new RelationsDatasetSummary(pass.Name, pass.Files, pass.Rows, pass.Role));
            result.Findings.AddRange(pass.Findings(train.Count == 0 ? null : train[0].Request.Name));
        }
        return result;
    }

    /// <summary>
    /// The relations of a pipeline file's datasets (<see cref="PipelineRelations.Check"/>): what the build calls. Map the
    /// result with <see cref="RelationsReport.Sections"/> (report sections) and <see cref="RelationsReport.Diagnostics"/>.
    /// </summary>
    public static RelationsResult Check(Pipeline.PipelineFile pipeline, RelationsOptions? options = null) => PipelineRelations.Check(pipeline, options);

    /// <summary>The columns leakage compares: the key, else the features, else every column but the label.</summary>
    static List<string> LeakageColumns(DatasetSchema trainSchema, RelationsSpec spec) =>
        spec.Key?.ToList() ?? spec.Features?.ToList() ?? trainSchema.Columns.Select(c => c.Name).Where(n => n != spec.Label).ToList();

    internal static MlBuildException Settings(string message, string? file = null, int line = 0, int column = 0) =>
        new(new MlDiagnostic(DiagnosticCodes.InvalidRelationsSettings, MlSeverity.Error, message, file, line, column));

    static string Describe(string what, IReadOnlyList<string> columns) => $"{what} {string.Join(", ", columns)}";

    /// <summary>A row's place, compact: an index into the dataset's files, the Parquet row group and the line or row.</summary>
    internal readonly record struct Loc(int File, int RowGroup, long LineOrRow);

    struct RowEntry
    {
        public Loc First;
        public long Count;
    }

    struct FeatureEntry
    {
        public Loc First;
        public UInt128 FirstLabel;
        public long Count;
        public bool Conflicting;
    }

    struct SideEntry
    {
        public Loc FirstTrain, FirstTest;
        public long TestRows;
        public bool InTrain, InTest;
    }

    /// <summary>One dataset's pass: hashes each row in data order and keeps what its findings need.</summary>
    sealed class DatasetPass
    {
        readonly RelationsDataset _dataset;
        readonly RelationsSpec _spec;
        readonly RelationsPolicy _policy;
        readonly int _maxExamples;
        readonly RowHasher _hasher = new();
        readonly List<string> _files = [];
        readonly Dictionary<string, int> _fileIndex = new(StringComparer.Ordinal);

        readonly int[] _allColumns;
        readonly int[]? _featureColumns;
        readonly int _labelColumn = -1;
        readonly int[] _labelOnly = [];
        readonly int[]? _keyColumns;     // leakage: compared columns, or null when this dataset takes no part
        readonly bool _keyIsFeatures;
        readonly bool _keyIsDeclared;
        readonly int _splitKeyColumn = -1;

        readonly Dictionary<UInt128, RowEntry>? _rows;
        readonly Dictionary<UInt128, FeatureEntry>? _features;
        Dictionary<UInt128, SideEntry>? _sides;
        HashSet<UInt128>? _leakedKeys;

        readonly RelationFinding _duplicates, _conflicts;
        readonly RelationFinding? _leakage;
        long _batchRows;

        public string Name => _dataset.Request.Name;
        public DatasetRole Role => _dataset.Role;
        public IReadOnlyList<string> Files { get; private set; } = [];
        public long Rows { get; private set; }
        Dictionary<UInt128, Loc>? _trainKeys;  // training: the keys it records; test: the keys it is compared with
        DatasetPass? _trainPass;
        int[]? _trainKeyColumns;
        bool _trainKeyDeclared;

        public DatasetPass(RelationsDataset dataset, RelationsSpec spec, RelationsPolicy policy, int maxExamples, List<string>? leakageColumns)
        {
            _dataset = dataset;
            _spec = spec;
            _policy = policy;
            _maxExamples = maxExamples;
            var schema = dataset.Request.Schema;
            _allColumns = Enumerable.Range(0, schema.Columns.Count).ToArray();

            _duplicates = new RelationFinding { Kind = RelationKind.Duplicates, Dataset = Name, ComparedBy = "all columns", Level = policy.Duplicates };
            if (policy.Duplicates == RelationLevel.Off) Skip(_duplicates, "switched off");
            else _rows = [];

            var featureNames = spec.Features ?? schema.Columns.Select(c => c.Name).Where(n => n != spec.Label).ToList();
            _conflicts = new RelationFinding
            {
                Kind = RelationKind.ConflictingLabels, Dataset = Name, Level = policy.ConflictingLabels,
                ComparedBy = spec.Features is null ? "features (all columns but the label)" : Describe("features", featureNames),
            };
            if (spec.Label is not null) _labelColumn = IndexOf(schema, spec.Label);
            _labelOnly = [_labelColumn];
            if (spec.Label is not null && spec.Features is not null)
                foreach (var f in spec.Features)
                    if (IndexOf(schema, f) < 0)
                        throw Settings($"The feature '{f}' is not a column of dataset '{Name}' (schema '{schema.SourcePath ?? "?"}').");
            if (policy.ConflictingLabels == RelationLevel.Off) Skip(_conflicts, "switched off");
            else if (spec.Label is null) Skip(_conflicts, "no label column given");
            else if (_labelColumn < 0) Skip(_conflicts, $"the dataset has no label column '{spec.Label}'");
            else
            {
                _featureColumns = featureNames.Select(n => IndexOf(schema, n)).ToArray();
                _features = [];
            }

            bool splitHere = dataset.Role == DatasetRole.Train && spec.Split is not null;
            if (dataset.Role == DatasetRole.Test || splitHere)
            {
                var columns = leakageColumns!;
                _keyIsDeclared = spec.Key is not null;
                _keyIsFeatures = !_keyIsDeclared && _featureColumns is not null && columns.SequenceEqual(featureNames);
                _leakage = new RelationFinding
                {
                    Kind = RelationKind.Leakage, Dataset = Name, Level = policy.Leakage,
                    ComparedBy = _keyIsDeclared ? Describe("key", columns) : spec.Features is null ? (spec.Label is null ? "all columns" : "features (all columns but the label)") : Describe("features", columns),
                };
                foreach (var c in columns)
                    if (IndexOf(schema, c) < 0)
                        throw Settings($"Leakage compares column '{c}', which dataset '{Name}' (schema '{schema.SourcePath ?? "?"}') does not have; "
                            + "declare the key columns both datasets share (relations.key, --key).");
                if (policy.Leakage == RelationLevel.Off) Skip(_leakage, "switched off");
                else if (splitHere && spec.Split!.KeyColumn is { } splitKey && _keyIsDeclared && columns.Count == 1 && columns[0] == splitKey)
                    Skip(_leakage, $"the split keeps all rows of one '{splitKey}' on one side, so no key is in both the training and the test rows (by construction)");
                else
                {
                    _keyColumns = columns.Select(c => IndexOf(schema, c)).ToArray();
                    if (splitHere)
                    {
                        _sides = [];
                        if (spec.Split!.KeyColumn is { } k) _splitKeyColumn = IndexOf(schema, k);
                        _leakage.Note = spec.Split.KeyColumn is { } key
                            ? $"test rows of the split within '{Name}' (by key '{key}', seed {spec.Split.Seed}); a key never straddles the split, its feature values can"
                            : $"test rows of the split within '{Name}' (by row, seed {spec.Split.Seed})";
                    }
                    else _leakedKeys = [];
                }
            }
        }

        static void Skip(RelationFinding f, string why)
        {
            f.Checked = false;
            f.Note = why;
        }

        static int IndexOf(DatasetSchema schema, string name)
        {
            for (int i = 0; i < schema.Columns.Count; i++)
                if (schema.Columns[i].Name == name) return i;
            return -1;
        }

        public void Run(RelationsOptions options)
        {
            _parallelism = Math.Max(1, options.MaxParallelism);
            var request = _dataset.Request with { Schema = ProfileBuilder.TypesOnly(_dataset.Request.Schema) };
            var result = DatasetValidator.Validate(request, new ValidationOptions
            {
                MaxParallelism = Math.Max(1, options.MaxParallelism), Progress = options.Progress,
                MaxFailuresPerCheck = 1, MaxTrackedFailingValues = 1, MaxDistinctValues = 1,
                BatchObserver = Observe,
            });
            if (result.InputErrors.Count > 0) throw new MlBuildException(result.InputErrors[0]);
            Files = result.Files;
            Finish();
        }

        /// <summary>What one row contributes, computed in parallel (hashes are pure), applied in data order.</summary>
        struct RowHashes
        {
            public bool Skip, HasLabel, HasKey, IsTest;
            public Loc Loc;
            public UInt128 Row, Features, Label, Key;
        }

        RowHashes[] _batch = [];
        int _parallelism = 1;

        void Observe(RowBatch batch)
        {
            int rows = batch.RowCount;
            if (_batch.Length < rows) _batch = new RowHashes[Math.Max(rows, _batch.Length * 2)];
            var any = batch.Columns.FirstOrDefault(c => c is not null);
            int file = FileIndex(batch.Locator.Locate(0, 0).File); // a batch is one CSV chunk or one Parquet row group: one file
            // Hashing is most of the work and independent per row: split the batch over the threads, then update the
            // tables in data order on this thread, so results do not depend on the thread count.
            int parts = rows < 8192 ? 1 : Math.Min(_parallelism, rows / 4096);
            if (parts <= 1) HashRows(batch, any, file, 0, rows, _hasher);
            else Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts },
                p => HashRows(batch, any, file, (int)((long)rows * p / parts), (int)((long)rows * (p + 1) / parts), new RowHasher()));
            for (int r = 0; r < rows; r++)
            {
                ref var h = ref _batch[r];
                if (h.Skip) continue;
                Rows++;
                if (_rows is not null) Duplicates(h.Row, h.Loc);
                if (_features is not null && h.HasLabel) Conflicts(h.Features, h.Label, h.Loc);
                if (!h.HasKey) continue;
                if (_keyColumns is not null)
                {
                    if (_sides is not null) Split(h.Key, h.IsTest, h.Loc);
                    else if (_dataset.Role == DatasetRole.Test) Leak(h.Key, h.Loc);
                }
                else _trainKeys!.TryAdd(h.Key, h.Loc);
            }
            _batchRows += rows;
        }

        void HashRows(RowBatch batch, ColumnVector? any, int file, int from, int to, RowHasher hasher)
        {
            var keyColumns = _keyColumns ?? _trainKeyColumns;
            bool declared = _keyColumns is not null ? _keyIsDeclared : _trainKeyDeclared;
            bool keyIsFeatures = _keyColumns is not null && _keyIsFeatures;
            var label = _labelColumn >= 0 ? batch.Columns[_labelColumn] : null;
            for (int r = from; r < to; r++)
            {
                ref var h = ref _batch[r];
                // A malformed record (already reported by the reader) is not a row.
                h.Skip = any is not null && any.States[r] == CellState.Skipped;
                if (h.Skip) continue;
                var at = batch.Locator.Locate(r, 0);
                h.Loc = at.RowGroup >= 0 ? new Loc(file, at.RowGroup, at.Row) : new Loc(file, -1, at.Line);
                if (_rows is not null) h.Row = hasher.Hash(batch, _allColumns, r);
                h.HasLabel = false;
                if (_features is not null)
                {
                    h.Features = hasher.Hash(batch, _featureColumns!, r);
                    h.HasLabel = label is not null && label.States[r] == CellState.Value;
                    if (h.HasLabel) h.Label = hasher.Hash(batch, _labelOnly, r);
                }
                // A declared key with a missing cell identifies nothing; feature values compare missing cells as equal.
                h.HasKey = keyColumns is not null && !(declared && RowHasher.AnyMissing(batch, keyColumns, r));
                if (!h.HasKey) continue;
                h.Key = keyIsFeatures ? h.Features : hasher.Hash(batch, keyColumns!, r);
                if (_sides is not null) h.IsTest = IsTest(batch, r, _batchRows + r + 1);
            }
        }

        int FileIndex(string display)
        {
            if (!_fileIndex.TryGetValue(display, out int file))
            {
                file = _files.Count;
                _fileIndex[display] = file;
                _files.Add(display);
            }
            return file;
        }

        void Duplicates(UInt128 hash, Loc loc)
        {
            ref var e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_rows!, hash, out bool exists);
            if (!exists) { e.First = loc; e.Count = 1; return; }
            e.Count++;
            _duplicates.Count++;
            if (e.Count == 2) _duplicates.Groups++;
            Example(_duplicates, loc, e.First);
        }

        void Conflicts(UInt128 features, UInt128 label, Loc loc)
        {
            ref var e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_features!, features, out bool exists);
            if (!exists) { e.First = loc; e.FirstLabel = label; e.Count = 1; return; }
            e.Count++;
            if (e.Conflicting || e.FirstLabel == label) return;
            e.Conflicting = true;
            _conflicts.Groups++;
            Example(_conflicts, loc, e.First);
        }

        void Leak(UInt128 key, Loc loc)
        {
            if (_trainKeys is null || !_trainKeys.TryGetValue(key, out var inTrain)) return;
            _leakage!.Count++;
            if (!_leakedKeys!.Add(key)) return;
            _leakage.Groups++;
            if (_leakage.Examples.Count < _maxExamples) _leakage.Examples.Add(new RelationExample(Place(loc), _trainPass!.Place(inTrain)));
        }

        void Split(UInt128 key, bool test, Loc loc)
        {
            ref var e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_sides!, key, out _);
            if (test)
            {
                e.TestRows++;
                if (!e.InTest) { e.InTest = true; e.FirstTest = loc; if (e.InTrain) Example(_leakage!, loc, e.FirstTrain); }
            }
            else if (!e.InTrain)
            {
                e.InTrain = true;
                e.FirstTrain = loc;
                if (e.InTest) Example(_leakage!, e.FirstTest, loc);
            }
        }

        // The same side as training gives the row: RowSplitter over the hash TrainingTable computes of the split key.
        bool IsTest(RowBatch batch, int r, long rowNumber)
        {
            var split = _spec.Split!;
            ulong h;
            if (split.KeyColumn is null) h = RowSplitter.Mix((ulong)rowNumber);
            else if (_splitKeyColumn < 0 || batch.Columns[_splitKeyColumn] is not { } v || v.States[r] != CellState.Value) h = XxHash64.HashToUInt64([]);
            else if (v.UsesBytes) h = XxHash64.HashToUInt64(v.Utf8(r));
            else
            {
                Span<byte> text = stackalloc byte[32];
                int written;
                bool ok = v.Type == ColumnType.Float ? Utf8Formatter.TryFormat(v.Doubles[r], text, out written) : Utf8Formatter.TryFormat(v.Longs[r], text, out written);
                h = XxHash64.HashToUInt64(ok ? text[..written] : []);
            }
            return RowSplitter.IsTest(h, split.Seed, split.TestShare);
        }

        void Example(RelationFinding f, Loc at, Loc other)
        {
            if (f.Examples.Count >= _maxExamples) return;
            f.Examples.Add(new RelationExample(Place(at), Place(other)));
        }

        RowLocation Place(Loc l) => new(_files[l.File], l.RowGroup >= 0 ? 0 : l.LineOrRow, l.RowGroup, l.RowGroup >= 0 ? l.LineOrRow : -1);

        void Finish()
        {
            _duplicates.Rows = Rows;
            _conflicts.Rows = Rows;
            if (_features is not null)
                foreach (var e in _features.Values)
                    if (e.Conflicting) _conflicts.Count += e.Count;
            if (_leakage is not null)
            {
                if (_sides is not null)
                {
                    long testRows = 0;
                    foreach (var e in _sides.Values)
                    {
                        testRows += e.TestRows;
                        if (e.InTrain && e.InTest) { _leakage.Count += e.TestRows; _leakage.Groups++; }
                    }
                    _leakage.Rows = testRows;
                }
                else _leakage.Rows = Rows;
            }
        }

        public IEnumerable<RelationFinding> Findings(string? trainName)
        {
            yield return _duplicates;
            yield return _conflicts;
            if (_leakage is not null)
                yield return _sides is not null || trainName is null ? _leakage : WithAgainst(_leakage, trainName);
        }

        static RelationFinding WithAgainst(RelationFinding f, string against)
        {
            var copy = new RelationFinding
            {
                Kind = f.Kind, Dataset = f.Dataset, Against = against, ComparedBy = f.ComparedBy, Level = f.Level,
                Rows = f.Rows, Count = f.Count, Groups = f.Groups, Note = f.Note, Checked = f.Checked,
            };
            copy.Examples.AddRange(f.Examples);
            return copy;
        }

        /// <summary>Makes a training pass record its keys (the leakage columns) for the test passes after it.</summary>
        public void RecordTrainKeys(Dictionary<UInt128, Loc> keys, List<string> leakageColumns, bool declared)
        {
            var schema = _dataset.Request.Schema;
            foreach (var c in leakageColumns)
                if (IndexOf(schema, c) < 0)
                    throw Settings($"Leakage compares column '{c}', which the training dataset '{Name}' (schema '{schema.SourcePath ?? "?"}') does not have.");
            _trainKeys = keys;
            _trainKeyColumns = leakageColumns.Select(c => IndexOf(schema, c)).ToArray();
            _trainKeyDeclared = declared;
        }

        /// <summary>Makes a test pass look its keys up in the training pass's.</summary>
        public void CompareWith(Dictionary<UInt128, Loc> trainKeys, DatasetPass trainPass)
        {
            _trainKeys = trainKeys;
            _trainPass = trainPass;
        }
    }
}
