using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Registry;

[assembly: InternalsVisibleTo("MlBuild.Registry.Tests")]
[assembly: InternalsVisibleTo("MlBuild.Registry.StressWorker")]

namespace MlBuild.Cli.Commands.Registry;

/// <summary>Registers the registry verbs on the root command, and what they share: options, store opening, error mapping.</summary>
internal static class RegistryCommands
{
    public static void AddTo(RootCommand root, CliContext context)
    {
        root.Subcommands.Add(RegisterCommand.Create(context));
        root.Subcommands.Add(ListCommand.Create(context));
        root.Subcommands.Add(ShowCommand.Create(context));
        root.Subcommands.Add(HistoryCommand.Create(context));
        root.Subcommands.Add(DiffCommand.Create(context));
        root.Subcommands.Add(PromoteCommand.Create(context));
        root.Subcommands.Add(RollbackCommand.Create(context));
        root.Subcommands.Add(ApproveCommand.Create(context));
        root.Subcommands.Add(VerifyCommand.Create(context));
        root.Subcommands.Add(PackageCommand.Create(context));
        root.Subcommands.Add(PullCommand.Create(context));
    }

    public static Option<string> RegistryOption() => new("--registry")
    {
        Description = $"The registry: a folder (default .mlregistry in the working directory, or $MLBUILD_REGISTRY), or az://CONTAINER with the connection string in ${AzureBlobStore.ConnectionVariable}.",
    };

    public static Option<string> ReasonOption() => new("--reason") { Description = "Why: recorded in the event and shown by history." };

    public static Option<string> SigningKeyOption() => new("--signing-key")
    {
        Description = $"PEM file with the ECDSA P-256 key that signs the event (default: ${EventSigner.KeyFileVariable} or ${EventSigner.KeyVariable}).",
    };

    public static Option<string> PolicyOption() => new("--policy")
    {
        Description = $"Promotion policy file (default {RegistryPolicy.FileName} in the working directory, if present).",
    };

    public static Option<bool> JsonOption() => new("--json") { Description = "Print JSON instead of text." };

    public static IRegistryStore OpenStore(CliContext context, string? registry)
    {
        var location = string.IsNullOrWhiteSpace(registry)
            ? Environment.GetEnvironmentVariable("MLBUILD_REGISTRY") is { Length: > 0 } env ? env : ".mlregistry"
            : registry;
        if (location.StartsWith("az://", StringComparison.Ordinal))
            return AzureBlobStore.FromLocation(location, Environment.GetEnvironmentVariable);
        return new FolderStore(Path.Combine(context.WorkingDirectory, location));
    }

    public static ModelRegistry Open(CliContext context, ParseResult parse, Option<string> registry,
        Option<string>? signingKey = null, Option<string>? policy = null)
    {
        var store = OpenStore(context, parse.GetValue(registry));
        var signer = signingKey is null ? null : Signer(context, parse, signingKey);
        var pol = policy is null ? null : LoadPolicy(context, parse.GetValue(policy));
        return new ModelRegistry(store, new RegistryOptions { WorkingDirectory = context.WorkingDirectory, Signer = signer, Policy = pol });
    }

    /// <summary>The policy file given, or the default one in the working directory if present.</summary>
    public static RegistryPolicy? LoadPolicy(CliContext context, string? given)
    {
        var path = Resolve(context, given) ?? Path.Combine(context.WorkingDirectory, RegistryPolicy.FileName);
        if (given is not null && !File.Exists(path))
            throw new MlBuildException(new MlDiagnostic(RegistryCodes.PolicyInvalid, MlSeverity.Error, $"Policy file '{given}' does not exist.", given));
        return RegistryPolicy.Load(path);
    }

    public static EventSigner? Signer(CliContext context, ParseResult parse, Option<string> signingKey) =>
        EventSigner.FromConfiguration(Resolve(context, parse.GetValue(signingKey)), Environment.GetEnvironmentVariable);

    public static string? Resolve(CliContext context, string? path) =>
        string.IsNullOrEmpty(path) ? null : Path.Combine(context.WorkingDirectory, path);

    /// <summary>Runs a verb body; coded errors print one canonical line and map to their exit code, never a stack trace.</summary>
    public static int Run(CliContext context, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (MlBuildException ex)
        {
            context.Error.WriteLine(ex.Diagnostic.ToCanonicalString());
            return (int)Verdicts.ExitCode([ex.Diagnostic]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine(new MlDiagnostic(RegistryCodes.StoreFailed, MlSeverity.Error,
                $"Registry storage failed: {ex.Message}").ToCanonicalString());
            return (int)RegistryCodes.StoreFailed.ExitClass;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && Environment.GetEnvironmentVariable("MLBUILD_DEBUG") != "1")
        {
            // A bug, not a user mistake: the one internal-error code, with the exception's type and message, no stack trace.
            context.Error.WriteLine(new MlDiagnostic(DiagnosticCodes.InternalError, MlSeverity.Error,
                $"Unexpected {ex.GetType().Name} in the registry: {ex.Message} Please report it with the command you ran.").ToCanonicalString());
            return (int)DiagnosticCodes.InternalError.ExitClass;
        }
    }

    /// <summary>Prints one line of registry output with echoed values escaped (the rule diagnostics use).</summary>
    public static void Print(TextWriter o, string line) => o.WriteLine(DiagnosticText.Escape(line));

    public static string V(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "(none)";

    /// <summary>A version argument: a number, <c>latest</c>, or an alias the model has (its holder); else MLB6002.</summary>
    public static int ParseVersion(ModelRegistry registry, string model, string text)
    {
        if (RegistryNames.TryParseVersion(text) is int v) return v;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            throw RegistryCodes.Error(RegistryCodes.InvalidReference, $"Version {n} is not valid: versions start at 1.");
        var m = registry.RequireModel(registry.State, model);
        if (text == "latest") return m.Latest;
        if (RegistryNames.IsValid(text) && m.Holder(text) is int held) return held;
        throw RegistryCodes.Error(RegistryCodes.InvalidReference,
            $"Version '{text}' is not valid: write a version number (1, 2, ...), 'latest', or an alias {model} has ({(m.Aliases.Any(a => a.Value.Count > 0) ? string.Join(", ", m.Aliases.Where(a => a.Value.Count > 0).Select(a => a.Key)) : "it has none yet")}).");
    }

    /// <summary>Prints warnings and notes of a registry operation in the canonical diagnostic form (on standard error).</summary>
    public static void Notices(CliContext context, IEnumerable<MlDiagnostic> notices)
    {
        foreach (var n in notices) context.Error.WriteLine(n.ToCanonicalString());
    }

    public static string Num(double d) => d.ToString("0.######", CultureInfo.InvariantCulture);
}
