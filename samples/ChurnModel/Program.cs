// The app that would serve the churn model. MlBuild does not need it: the checks run from mlbuild.json.
Console.WriteLine("churn model host: the model and its evidence are published beside this app (see README.md).");
