rootProject.name = "tandem-jetbrains"
