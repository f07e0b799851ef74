using MlBuild.Core.Json;
using MlBuild.Core.Models.Evaluation;
using MlBuild.Core.Models.Gates;

namespace MlBuild.Core.Pipeline;

/// <summary>How a feature column is turned into numbers (each default follows the column's schema type).</summary>
public enum FeatureHandling
{
    /// <summary>The schema type decides: numbers stay numbers, categories one-hot, strings text features.</summary>
    Auto,
    /// <summary>One indicator per distinct value.</summary>
    OneHot,
    /// <summary>One-hot into a fixed number of hashed slots (for columns with very many values).</summary>
    OneHotHash,
    /// <summary>Word and character n-grams.</summary>
    Text,
    /// <summary>A number (dates: days since 0001-01-01; datetimes: seconds).</summary>
    Numeric,
    /// <summary>Not used.</summary>
    Ignore,
}

/// <summary>How numeric features are rescaled.</summary>
public enum Normalization
{
    /// <summary>Linear trainers: mean/variance; tree trainers: none (trees do not care about scale).</summary>
    Auto,
    /// <summary>No rescaling.</summary>
    None,
    /// <summary>Into [0, 1] by the training minimum and maximum.</summary>
    MinMax,
    /// <summary>Zero mean, unit variance.</summary>
    MeanVariance,
}

/// <summary>What replaces a missing numeric value.</summary>
public enum MissingValueReplacement
{
    /// <summary>The column's training mean.</summary>
    Mean,
    /// <summary>The column's most frequent training value.</summary>
    MostFrequent,
    /// <summary>Zero.</summary>
    Zero,
    /// <summary>The column's training minimum.</summary>
    Minimum,
    /// <summary>The column's training maximum.</summary>
    Maximum,
}

/// <summary>A dataset the pipeline file declares: files (paths or globs) and their schema.</summary>
/// <param name="Name">The key under <c>datasets</c>.</param>
/// <param name="Files">Paths or globs relative to the pipeline file's folder.</param>
/// <param name="Schema">The schema file, relative to the pipeline file's folder.</param>
/// <param name="Position">Where it is declared.</param>
public sealed record DatasetDeclaration(string Name, IReadOnlyList<string> Files, string Schema, SourcePosition Position)
{
    /// <summary>The committed reference profile (<c>reference</c>) the build checks the dataset's drift against, or null.</summary>
    public string? Reference { get; init; }
}

/// <summary>The trainer and its hyperparameters.</summary>
/// <param name="Name">Trainer name: <c>lbfgs</c>, <c>sdca</c>, <c>lightgbm</c>, <c>fasttree</c>.</param>
/// <param name="Hyperparameters">Named numeric settings, in file order (checked against the trainer when training starts).</param>
/// <param name="Position">Where the trainer is named.</param>
public sealed record TrainerSpec(string Name, IReadOnlyList<Hyperparameter> Hyperparameters, SourcePosition Position);

/// <summary>One hyperparameter as written.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Value">Its value.</param>
/// <param name="Position">Where it is written.</param>
public sealed record Hyperparameter(string Name, double Value, SourcePosition Position);

/// <summary>The split into training and test rows.</summary>
public sealed record SplitSpec
{
    /// <summary>Share of rows that go to the test split (0..1), when no test dataset is named.</summary>
    public double TestShare { get; init; } = 0.2;
    /// <summary>The column whose value decides a row's side (rows with one key stay together); null: the row number.</summary>
    public string? KeyColumn { get; init; }
    /// <summary>A separate dataset (a key of <c>datasets</c>) used as the test set, instead of a share of the training data.</summary>
    public string? TestDataset { get; init; }
    /// <summary>Where the split is declared.</summary>
    public SourcePosition? Position { get; init; }
    /// <summary>Where the key column is named.</summary>
    public SourcePosition? KeyPosition { get; init; }
}

/// <summary>Featurisation choices that override what the schema implies.</summary>
public sealed record FeaturizationSpec
{
    /// <summary>Per-column handling, by column name.</summary>
    public IReadOnlyDictionary<string, (FeatureHandling Handling, SourcePosition Position)> Columns { get; init; } =
        new Dictionary<string, (FeatureHandling, SourcePosition)>();
    /// <summary>Rescaling of numeric features.</summary>
    public Normalization Normalize { get; init; } = Normalization.Auto;
    /// <summary>What replaces missing numbers.</summary>
    public MissingValueReplacement Missing { get; init; } = MissingValueReplacement.Mean;
    /// <summary>Hash bits for <see cref="FeatureHandling.OneHotHash"/> columns.</summary>
    public int HashBits { get; init; } = 16;
}

/// <summary>The model section of the pipeline file.</summary>
public sealed record ModelSpec
{
    /// <summary>The model's name (registry name, file names).</summary>
    public required string Name { get; init; }
    /// <summary>What it predicts.</summary>
    public required ModelTask Task { get; init; }
    /// <summary>The label column.</summary>
    public required string Label { get; init; }
    /// <summary>Where the label is named.</summary>
    public SourcePosition? LabelPosition { get; init; }
    /// <summary>For a binary model with a text label: the value that means "positive".</summary>
    public string? PositiveClass { get; init; }
    /// <summary>Feature columns as listed, or null for every schema column but the label, the key and <see cref="ExcludedFeatures"/>.</summary>
    public IReadOnlyList<(string Name, SourcePosition Position)>? Features { get; init; }
    /// <summary>Columns left out when <see cref="Features"/> is null.</summary>
    public IReadOnlyList<(string Name, SourcePosition Position)> ExcludedFeatures { get; init; } = [];
    /// <summary>The trainer.</summary>
    public required TrainerSpec Trainer { get; init; }
    /// <summary>Featurisation overrides.</summary>
    public FeaturizationSpec Featurization { get; init; } = new();
    /// <summary>Seed of ML.NET, the split and the sample.</summary>
    public int Seed { get; init; } = 42;
    /// <summary>The training dataset (a key of <c>datasets</c>).</summary>
    public string Dataset { get; init; } = "train";
    /// <summary>Where the training dataset is named (or the model section).</summary>
    public SourcePosition? DatasetPosition { get; init; }
    /// <summary>The train/test split.</summary>
    public SplitSpec Split { get; init; } = new();
    /// <summary>Training rows of a quick train (a seeded hash sample); null: <see cref="DefaultQuickTrainRows"/>.</summary>
    public int? QuickTrainRows { get; init; }
    /// <summary>The quick-train sample size when the file sets none: seconds of training on two cores.</summary>
    public const int DefaultQuickTrainRows = 20_000;
    /// <summary>A model made elsewhere (a model file, or the user's training command) instead of <see cref="Trainer"/>; null: MlBuild trains.</summary>
    public Models.External.ExternalModelSpec? External { get; init; }
    /// <summary>Where the model section starts.</summary>
    public SourcePosition? Position { get; init; }
}

/// <summary>Where registered models go.</summary>
/// <param name="Store">The store: a folder path (relative to the pipeline file) or a store URI.</param>
/// <param name="Position">Where it is declared.</param>
public sealed record RegistrySpec(string Store, SourcePosition Position);

/// <summary>A loaded pipeline file (<c>mlbuild.json</c>, see docs/pipeline.md).</summary>
public sealed record PipelineFile
{
    /// <summary>The file as the user named it, for diagnostics.</summary>
    public required string DisplayPath { get; init; }
    /// <summary>The folder relative paths start from.</summary>
    public required string BaseDirectory { get; init; }
    /// <summary>Declared datasets, in file order.</summary>
    public IReadOnlyList<DatasetDeclaration> Datasets { get; init; } = [];
    /// <summary>The model, or null for a file that only declares data.</summary>
    public ModelSpec? Model { get; init; }
    /// <summary>The gates, parsed into the gate spec records.</summary>
    public GateSet Gates { get; init; } = new();
    /// <summary>The registry, or null.</summary>
    public RegistrySpec? Registry { get; init; }
    /// <summary>The raw document, for sections other parts of MlBuild read (e.g. <c>drift</c>).</summary>
    public PositionedJson? Root { get; init; }

    /// <summary>The declared dataset of that name, or null.</summary>
    public DatasetDeclaration? Dataset(string name) => Datasets.FirstOrDefault(d => d.Name == name);
}
