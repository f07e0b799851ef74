using System.Globalization;
using MlBuild.Cli;
using MlBuild.Core.Registry;

// Usage: worker REGISTRY WORKDIR WORKER_ID OPS SEED
// Prints one line per operation: "<op> <exit> <first line of stdout or stderr>", for the test to check against the log.
var registry = args[0];
var workDir = args[1];
var id = int.Parse(args[2], CultureInfo.InvariantCulture);
var ops = int.Parse(args[3], CultureInfo.InvariantCulture);
var random = new Random(int.Parse(args[4], CultureInfo.InvariantCulture));
string[] aliases = ["staging", "prod"];

for (var i = 0; i < ops; i++)
{
    // Peek at the latest version so promotions name versions that exist; the CLI re-reads the log itself.
    var latest = new ModelRegistry(new FolderStore(registry)).State.Models.TryGetValue("m", out var m) ? m.Latest : 0;
    var roll = random.Next(100);
    string[] cli;
    string op;
    if (latest == 0 || roll < 40)
    {
        var model = Path.Combine(workDir, $"w{id}-{i}.zip");
        File.WriteAllText(model, $"model from worker {id} op {i} {random.Next()}");
        cli = ["register", "m", model, "--registry", registry];
        op = "register";
    }
    else if (roll < 75)
    {
        cli = ["promote", "m", random.Next(1, latest + 1).ToString(CultureInfo.InvariantCulture), "--to", aliases[random.Next(2)], "--registry", registry];
        op = "promote";
    }
    else
    {
        cli = ["rollback", "m", "--alias", aliases[random.Next(2)], "--registry", registry];
        op = "rollback";
    }
    var stdout = new StringWriter();
    var stderr = new StringWriter();
    var code = CliApp.Run(cli, stdout, stderr, workDir);
    var text = (stdout.ToString() + stderr.ToString()).Split('\n')[0].Trim();
    Console.WriteLine($"{op} {code} {text}");
}
return 0;
